"""An admin resets a person's second factors from the person's admin page: audited, the person told, their
sessions ended; only with the admin's own second factor, never for the admin's own account."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from dpms.mfa import mfa_reset
from dpms.models import AuditEvent, Notification, OutboxEmail
from tests.factories import TEST_PASSWORD
from tests.mfa_support import forget_second_factor, give_totp

pytestmark = pytest.mark.django_db


def reset_url(person):
    return reverse("admin:dpms_user_mfa_reset", args=[person.pk])


@pytest.fixture
def locked_out(security_officer):
    """A security officer who lost their phone: an app and recovery codes, and a session still open."""
    give_totp(security_officer)
    RecoveryCodes.activate(security_officer)
    return security_officer


def test_admin_with_a_second_factor_resets_a_person(client_for, admin_user, locked_out):
    give_totp(admin_user)
    their_browser = Client()
    their_browser.force_login(locked_out)
    assert their_browser.get(reverse("dashboard")).status_code == 200  # a session in use (allauth tracks it)
    admin = client_for(admin_user)

    page = admin.get(reset_url(locked_out))
    assert page.status_code == 200
    assert "Authenticator App" in page.content.decode() or "TOTP" in page.content.decode()
    assert (
        b"Reset two-factor authentication"
        in admin.get(reverse("admin:dpms_user_change", args=[locked_out.pk])).content
    )

    response = admin.post(reset_url(locked_out))
    assert response["Location"] == reverse("admin:dpms_user_change", args=[locked_out.pk])
    assert not Authenticator.objects.filter(user=locked_out).exists()
    event = AuditEvent.objects.get(action="auth.mfa.reset")
    assert (event.actor, event.object_id) == (admin_user, str(locked_out.pk))
    assert event.changes == {"removed": ["recovery_codes", "totp"]}
    assert Notification.objects.filter(recipient=locked_out, subject__contains="was reset").exists()
    assert OutboxEmail.objects.filter(to=locked_out.email, subject__contains="was reset").exists()
    # Their sessions ended: they sign in again, and the gate sends them to enrol a new factor.
    assert their_browser.get(reverse("dashboard"))["Location"].startswith(reverse("account_login"))
    again = Client()
    again.post(reverse("account_login"), {"login": locked_out.email, "password": TEST_PASSWORD})
    assert again.get(reverse("dashboard"))["Location"] == reverse("mfa_index")


def test_refused_to_an_admin_without_a_second_factor(client_for, admin_user, locked_out, settings):
    settings.MFA_REQUIRED_ROLES = []  # else the gate would hold the admin before the page does
    admin = client_for(admin_user)
    assert admin.get(reset_url(locked_out)).status_code == 403
    assert admin.post(reset_url(locked_out)).status_code == 403
    assert Authenticator.objects.filter(user=locked_out).count() == 2
    assert not AuditEvent.objects.filter(action="auth.mfa.reset").exists()


def test_an_admin_whose_session_showed_no_factor_is_asked_for_it_first(client_for, admin_user, locked_out):
    give_totp(admin_user)
    admin = client_for(admin_user)
    forget_second_factor(admin)  # signed in with the password only: the gate or the page asks for the code
    response = admin.post(reset_url(locked_out))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert Authenticator.objects.filter(user=locked_out).count() == 2


def test_the_service_refuses_without_the_admins_own_factor_and_for_themselves(admin_user, locked_out):
    with pytest.raises(PermissionDenied):
        mfa_reset(actor=admin_user, user=locked_out)
    give_totp(admin_user)
    with pytest.raises(PermissionDenied):
        mfa_reset(actor=admin_user, user=admin_user)
    with pytest.raises(PermissionDenied):
        mfa_reset(actor=locked_out, user=admin_user)  # not an admin
    assert mfa_reset(actor=admin_user, user=locked_out) == 2


def test_anonymous_and_staff_are_sent_to_the_admin_sign_in(client, client_for, staff, locked_out):
    assert client.post(reset_url(locked_out))["Location"].startswith(reverse("admin:login"))
    response = client_for(staff).post(reset_url(locked_out))
    assert response["Location"].startswith(reverse("admin:login"))  # which refuses them (403)
    assert Authenticator.objects.filter(user=locked_out).count() == 2


def test_second_factors_are_not_browsed_in_the_admin(client_for, admin_user, locked_out):
    """Their data holds authenticator-app secrets; the reset above is the only admin path to them."""
    assert client_for(admin_user).get("/admin/mfa/authenticator/").status_code == 404
