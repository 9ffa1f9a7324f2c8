"""SSO-only mode: no password form, every password POST refused and audited; break-glass accounts keep their
password, must use a second factor, and every one of their sign-ins is announced to the security officers."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import int_to_base36, urlsafe_base64_encode

from dpms import services
from dpms.models import AuditEvent, Notification, OutboxEmail
from tests.dpms.oidc import sso_sign_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BREAK_GLASS = "bea.breakglass@example.com"


@pytest.fixture(autouse=True)
def sso_only(settings):
    settings.SSO_ONLY = True
    settings.BREAK_GLASS_EMAILS = [BREAK_GLASS]


@pytest.fixture
def bea(db):
    return UserFactory(email=BREAK_GLASS, full_name="Bea Breakglass", roles=["admin"])


def assert_refused_as_sso_only(response, view: str):
    assert response.status_code == 403
    assert "Passwords are turned off here" in response.content.decode()
    event = AuditEvent.objects.filter(action="auth.sso.refused").latest("sequence")
    assert (event.changes["reason"], event.changes["view"]) == ("sso_only", view)


def test_sign_in_page_has_the_provider_buttons_and_no_password_form(client, sso_app):
    html = client.get(reverse("account_login")).content.decode()
    assert "Sign in with Acme" in html
    assert 'name="password"' not in html
    assert "Emergency sign-in for break-glass accounts" in html


def test_password_sign_in_is_refused(client, staff):
    response = client.post(reverse("account_login"), {"login": staff.email, "password": TEST_PASSWORD})
    assert_refused_as_sso_only(response, "account_login")
    assert SESSION_KEY not in client.session


def test_password_reset_is_refused_and_sends_nothing(client, staff):
    response = client.post(reverse("account_reset_password"), {"email": staff.email})
    assert_refused_as_sso_only(response, "account_reset_password")
    assert mail.outbox == []


def test_a_reset_link_cannot_set_a_password(client, staff):
    url = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": int_to_base36(staff.pk), "key": "set-password"}
    )
    response = client.post(
        url, {"password1": "a brand new passphrase 9", "password2": "a brand new passphrase 9"}
    )
    assert_refused_as_sso_only(response, "account_reset_password_from_key")


def test_an_invitation_cannot_set_a_password(client, admin_user):
    invitee = services.user_invite(actor=admin_user, email="ivy@example.com", full_name="Ivy Invitee")
    url = services.invitation_link(invitee)
    response = client.post(
        url, {"new_password1": "a brand new passphrase 9", "new_password2": "a brand new passphrase 9"}
    )
    assert_refused_as_sso_only(response, "invitation_accept")
    invitee.refresh_from_db()
    assert not invitee.has_usable_password()


def test_a_signed_in_person_cannot_change_their_password(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "a brand new passphrase 9",
            "password2": "a brand new passphrase 9",
        },
    )
    assert_refused_as_sso_only(response, "account_change_password")
    staff.refresh_from_db()
    assert staff.check_password(TEST_PASSWORD)


def test_single_sign_on_still_works(client, oidc_provider, sso_app, staff):
    oidc_provider.set_user("sam", email=staff.email, email_verified=True)
    response = sso_sign_in(client, oidc_provider, "sam")
    assert response["Location"] == reverse("dashboard")


def test_break_glass_sees_the_password_form_on_asking(client, sso_app):
    html = client.get(reverse("account_login") + "?break_glass=1").content.decode()
    assert 'name="password"' in html
    assert "only break-glass accounts" in html


def test_break_glass_password_sign_in_is_let_through_but_not_into_the_portal_without_a_second_factor(
    client, bea
):
    response = client.post(reverse("account_login"), {"login": BREAK_GLASS, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="auth.sso.refused").exists()
    # Not enrolled in multi-factor yet: every page sends them to enrolment (dpms/mfa.py's gate).
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 302
    assert "/2fa/" in dashboard["Location"]


def test_a_break_glass_sign_in_tells_every_security_officer(client, bea, security_officer, staff):
    other_officer = UserFactory(email="otto.officer@example.com", roles=["security officer"])
    client.post(reverse("account_login"), {"login": BREAK_GLASS, "password": TEST_PASSWORD})
    told = Notification.objects.filter(subject=f"Break-glass sign-in: {BREAK_GLASS}")
    assert sorted(n.recipient.email for n in told) == sorted([security_officer.email, other_officer.email])
    assert AuditEvent.objects.filter(action="auth.break_glass.sign_in", actor=bea).count() == 1
    # A second sign-in is announced again.
    client.logout()
    client.post(reverse("account_login"), {"login": BREAK_GLASS, "password": TEST_PASSWORD})
    assert told.all().count() == 4


def test_break_glass_may_reset_their_password(client, bea):
    response = client.post(reverse("account_reset_password"), {"email": BREAK_GLASS})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[BREAK_GLASS]]


def test_the_last_identity_cannot_be_unlinked(client, oidc_provider, sso_app, staff):
    from allauth.socialaccount.models import SocialAccount

    oidc_provider.set_user("sam", email=staff.email, email_verified=True)
    sso_sign_in(client, oidc_provider, "sam")
    account = SocialAccount.objects.get(user=staff)
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 200
    assert "cannot disconnect your last" in response.content.decode()
    assert SocialAccount.objects.filter(user=staff).exists()


def test_uidb64_of_nobody_is_refused_not_an_error(client):
    url = reverse("invitation_accept", args=[urlsafe_base64_encode(force_bytes("x")), "token"])
    assert client.post(url, {}).status_code == 403


def test_the_account_menu_offers_no_password_change_except_to_break_glass(client, staff, bea):
    client.force_login(staff)
    assert reverse("account_change_password") not in client.get(reverse("dashboard")).content.decode()
    client.force_login(bea)
    assert reverse("account_change_password") in client.get(reverse("mfa_index")).content.decode()


@pytest.mark.parametrize(
    ("email", "gets_a_password_link"), [("nina@example.com", False), (BREAK_GLASS, True)]
)
def test_an_invitation_says_to_sign_in_with_the_company_account_unless_break_glass(
    admin_user, email, gets_a_password_link
):
    person = services.user_invite(actor=admin_user, email=email, full_name="Nina New")
    body = OutboxEmail.objects.get(to=email, subject="You are invited to DPMS").body
    assert (services.invitation_link(person).rsplit("/", 2)[0] in body) is gets_a_password_link
    assert ("Set your password" in body) is gets_a_password_link
    assert ("single sign-on" in body) is not gets_a_password_link
    assert reverse("account_login") in body or gets_a_password_link
