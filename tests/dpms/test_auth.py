"""Sign-in, sign-out, closed sign-up, the admin login, password reset by email, and their audit events."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from dpms.models import AuditEvent, User
from tests.mfa_support import give_totp

pytestmark = pytest.mark.django_db

ADDRESS = "192.0.2.10"


def sign_in(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_sign_in_with_email_and_password_lands_on_dashboard(client, staff, password):
    response = sign_in(client, "Sam.Staff@Example.com", password)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_sign_in_is_recorded_with_client_address(client, staff, password):
    sign_in(client, staff.email, password, REMOTE_ADDR=ADDRESS)
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert (event.actor, event.client_ip, event.source) == (staff, ADDRESS, "web")


def test_wrong_password_is_refused_and_recorded(client, staff):
    response = sign_in(client, staff.email, "not the password at all", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert (event.object_label, event.object_id, event.client_ip) == (staff.email, str(staff.pk), ADDRESS)


def test_sign_out_ends_the_session_and_is_recorded(client, staff, password):
    sign_in(client, staff.email, password)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.sign_out", actor=staff).count() == 1


def test_sign_up_page_says_accounts_are_created_by_administrators(client):
    response = client.get(reverse("account_signup"))
    assert b"Accounts are created by administrators" in response.content


def test_sign_up_post_creates_no_account(client):
    before = User.objects.count()
    client.post(
        reverse("account_signup"),
        {
            "email": "intruder@example.com",
            "password1": "a perfectly fine passphrase 9",
            "password2": "a perfectly fine passphrase 9",
        },
    )
    assert User.objects.count() == before
    assert not User.objects.filter(email="intruder@example.com").exists()


def test_sign_in_page_offers_no_sign_up_link(client):
    content = client.get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in content


def test_admin_login_goes_through_the_portal_sign_in(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_admin_sign_in_through_portal_reaches_admin(client, admin_user, password):
    app = give_totp(admin_user)  # admins must have a second factor (dpms/mfa.py)
    response = client.post(
        reverse("account_login") + "?next=/admin/", {"login": admin_user.email, "password": password}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": app.now()})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_non_admin_is_refused_the_admin_and_the_refusal_recorded(client_for, staff):
    response = client_for(staff).get("/admin/login/")
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="security.access_denied")
    assert (event.actor, event.object_label) == (staff, "/admin/login/")


def test_csrf_failure_is_refused_and_recorded(staff, password):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS)
    response = sign_in(client, staff.email, password)
    assert response.status_code == 403
    assert b"This form has expired" in response.content
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action="security.access_denied")
    assert (event.object_label, event.changes, event.client_ip) == (
        reverse("account_login"),
        {"method": "POST"},
        ADDRESS,
    )


def _reset_link(email):
    [message] = [m for m in mail.outbox if email in m.to]
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)


def test_password_reset_by_email_sets_a_new_password_under_the_policy(client, staff):
    client.post(reverse("account_reset_password"), {"email": staff.email})
    link = _reset_link(staff.email)
    form_url = client.get(link)["Location"]  # allauth moves the key out of the URL into the session

    refused = client.post(form_url, {"password1": "short", "password2": "short"})
    assert b"too short" in refused.content

    new_password = "a fresh passphrase for sam 2026"
    done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(new_password)
    assert staff.password.startswith("bcrypt_sha256$")
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=staff).exists()
    assert sign_in(Client(), staff.email, new_password).status_code == 302


def test_password_reset_link_works_once(client, staff):
    client.post(reverse("account_reset_password"), {"email": staff.email})
    link = _reset_link(staff.email)
    form_url = client.get(link)["Location"]
    new_password = "a fresh passphrase for sam 2026"
    client.post(form_url, {"password1": new_password, "password2": new_password})

    again = Client()
    response = again.get(link, follow=True)
    assert b"This reset link is not valid" in response.content


def test_password_reset_for_unknown_address_sends_no_link(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302  # the same answer as for a known address: no enumeration
    assert not any("/accounts/password/reset/key/" in m.body for m in mail.outbox)


def test_password_change_is_recorded_and_announced_by_email(client_for, staff, password):
    new_password = "another long passphrase for sam"
    client_for(staff).post(
        reverse("account_change_password"),
        {"oldpassword": password, "password1": new_password, "password2": new_password},
    )
    assert AuditEvent.objects.filter(action="auth.password_change", actor=staff).count() == 1
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert "password" in mail.outbox[0].subject.lower()
