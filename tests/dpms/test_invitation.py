"""Invitation links: a new person sets a first password once, within INVITATION_VALID_DAYS, then signs in."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from dpms import services
from dpms.models import AuditEvent, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long first passphrase for nina"


@pytest.fixture
def invitee(db):
    """A person an admin created, who has no password yet."""
    return User.objects.create_user(email="nina.new@example.com", full_name="Nina New")


def link_made_days_ago(user, days):
    then = datetime.now() - timedelta(days=days)
    with mock.patch.object(services.invitation_tokens, "_now", return_value=then):
        return services.invitation_link(user)


def set_password(client, link, password=NEW_PASSWORD):
    return client.post(link, {"password1": password, "password2": password})


def test_invitation_page_greets_the_invitee(client, invitee):
    response = client.get(services.invitation_link(invitee))
    assert response.status_code == 200
    assert b"Welcome, Nina" in response.content


def test_invitee_sets_a_password_and_signs_in(client, invitee):
    response = set_password(client, services.invitation_link(invitee))
    assert response["Location"] == reverse("account_login")
    invitee.refresh_from_db()
    assert invitee.password.startswith("bcrypt_sha256$")
    signed_in = Client().post(reverse("account_login"), {"login": invitee.email, "password": NEW_PASSWORD})
    assert signed_in["Location"] == reverse("dashboard")
    assert AuditEvent.objects.filter(action="auth.invitation_accept", actor=invitee).count() == 1


def test_invitation_link_works_only_once(client, invitee):
    link = services.invitation_link(invitee)
    set_password(client, link)
    again = Client()
    assert again.get(link).status_code == 400
    response = set_password(again, link, "someone else's passphrase here")
    assert response.status_code == 400
    assert b"not valid" in response.content
    assert User.objects.get(pk=invitee.pk).check_password(NEW_PASSWORD)


def test_invitation_link_is_valid_for_seven_days(client, invitee, settings):
    assert settings.INVITATION_VALID_DAYS == 7
    assert client.get(link_made_days_ago(invitee, 6)).status_code == 200  # longer than PASSWORD_RESET_TIMEOUT
    assert client.get(link_made_days_ago(invitee, 8)).status_code == 400


def test_invitation_validity_follows_the_setting(client, invitee, settings):
    settings.INVITATION_VALID_DAYS = 1
    assert client.get(link_made_days_ago(invitee, 2)).status_code == 400


def test_expired_link_sets_no_password(client, invitee):
    response = set_password(client, link_made_days_ago(invitee, 8))
    assert response.status_code == 400
    invitee.refresh_from_db()
    assert not invitee.has_usable_password()


def test_tampered_link_is_refused(client, invitee):
    link = services.invitation_link(invitee)
    assert client.get(link[:-3] + "zzz/").status_code == 400


def test_link_of_a_deactivated_person_is_refused(client, invitee, admin_user):
    link = services.invitation_link(invitee)
    services.user_deactivate(actor=admin_user, user=invitee)
    assert client.get(link).status_code == 400


def test_link_for_another_person_does_not_work(client, invitee, staff):
    link = services.invitation_link(invitee)
    uid_of_staff = services.invitation_link(staff).split("/")[2]
    parts = link.split("/")
    parts[2] = uid_of_staff
    assert client.get("/".join(parts)).status_code == 400


def test_garbage_in_the_link_gives_400_not_500(client):
    assert client.get("/invitation/!!!/nonsense/").status_code == 400
