"""django-guardian is wired: object permissions through the auth backend, and its anonymous user is inert."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm, get_objects_for_user
from guardian.utils import get_anonymous_user

from dpms.models import User
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_an_object_permission_applies_to_that_object_and_person_only(staff, outsider):
    shared, other = TeamFactory(name="Shared"), TeamFactory(name="Other")
    assign_perm("dpms.change_team", staff, shared)

    assert staff.has_perm("dpms.change_team", shared)
    assert not staff.has_perm("dpms.change_team", other)
    assert not outsider.has_perm("dpms.change_team", shared)
    assert list(get_objects_for_user(staff, "dpms.change_team", klass=TeamFactory._meta.model)) == [shared]


def test_guardians_anonymous_user_is_inactive_and_cannot_sign_in():
    anonymous = get_anonymous_user()
    assert anonymous.email == settings.ANONYMOUS_USER_NAME
    assert not anonymous.is_active
    assert not anonymous.has_usable_password()
    response = Client().post(reverse("account_login"), {"login": anonymous.email, "password": ""})
    assert response.status_code == 200  # the sign-in form again, not a redirect into the portal
    assert response.wsgi_request.user.is_anonymous


def test_people_lists_leave_out_guardians_anonymous_user(staff):
    get_anonymous_user()
    assert settings.ANONYMOUS_USER_NAME not in User.objects.people().values_list("email", flat=True)
    assert staff.email in User.objects.people().values_list("email", flat=True)
