"""Security headers, cookie flags and the request id; the pages render nothing the CSP would block."""

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from dpms import services
from dpms.models import User
from tests.dpms import production

pytestmark = pytest.mark.django_db

# A script element without src is inline code, unless it is a JSON data block (the browser never runs it,
# so the CSP does not apply: allauth's passkey button reads its settings from one).
INLINE = re.compile(
    r"""<script(?![^>]*\bsrc=)(?![^>]*\btype=["']application/json["'])[^>]*>|<style\b|\sstyle\s*=|"""
    r"""\son[a-z]+\s*=\s*["']""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def prod():
    return production.probe()


def csp_directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_send_the_security_headers(client):
    response = client.get(reverse("account_login"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_content_security_policy_forbids_framing_and_inline_code(client):
    header = client.get(reverse("account_login"))["Content-Security-Policy"]
    directives = csp_directives(header)
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def test_production_sends_hsts_and_redirects_to_https(prod):
    assert (
        prod["secure"]["headers"]["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains; preload"
    )
    assert prod["plain"] == {"status": 301, "location": "https://dpms.example.com/dashboard/"}
    assert "frame-ancestors 'none'" in prod["secure"]["headers"]["Content-Security-Policy"]
    assert prod["secure"]["headers"]["X-Frame-Options"] == "DENY"


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get(reverse("account_login"))


def test_production_cookies_are_secure_httponly_and_samesite(prod, staff, password):
    cookie_settings = {name: value for name, value in prod["settings"].items() if "COOKIE" in name}
    with override_settings(**cookie_settings):
        client = Client()
        client.get(reverse("account_login"), secure=True)
        response = client.post(
            reverse("account_login"), {"login": staff.email, "password": password}, secure=True
        )
    assert response.status_code == 302
    session = response.cookies["__Host-sessionid"]
    csrf = client.cookies["__Host-csrftoken"]
    for cookie in (session, csrf):
        assert (cookie["secure"], cookie["httponly"], cookie["samesite"], cookie["path"]) == (
            True,
            True,
            "Lax",
            "/",
        )


def test_production_sessions_have_the_idle_timeout(prod):
    assert prod["settings"]["SESSION_COOKIE_AGE"] == 30 * 60
    assert prod["settings"]["SESSION_SAVE_EVERY_REQUEST"] is True


def test_well_formed_request_id_is_kept(client):
    response = client.get(reverse("account_login"), HTTP_X_REQUEST_ID="trace-1234.abcd:EF_5")
    assert response["X-Request-ID"] == "trace-1234.abcd:EF_5"


@pytest.mark.parametrize("incoming", ["", "short", "has spaces in it", "x" * 65, "<script>alert(1)</script>"])
def test_malformed_request_id_is_replaced(client, incoming):
    response = client.get(reverse("account_login"), HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_gets_its_own_id(client):
    first, second = client.get(reverse("account_login")), client.get(reverse("account_login"))
    assert first["X-Request-ID"] != second["X-Request-ID"]


ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"]
SIGNED_IN_PAGES = [
    "account_change_password",
    "account_logout",
    "usersessions_list",
    "account_email",
    "account_set_password",
    "dashboard",
    "notifications",
]


def assert_no_inline_code(response):
    assert response.status_code in (200, 400, 403), response.status_code
    found = INLINE.findall(response.content.decode())
    assert not found, f"{response.request['PATH_INFO']} has inline code the CSP refuses: {found}"


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_sign_in_pages_have_no_inline_scripts_or_styles(client, name):
    assert_no_inline_code(client.get(reverse(name)))


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_account_pages_have_no_inline_scripts_or_styles(client_for, staff, name):
    assert_no_inline_code(client_for(staff).get(reverse(name), follow=True))


def test_invitation_and_error_pages_have_no_inline_scripts_or_styles(client):
    invitee = User.objects.create_user(email="nina.new@example.com", full_name="Nina New")
    assert_no_inline_code(client.get(services.invitation_link(invitee)))
    assert_no_inline_code(client.get("/invitation/x/y/"))
    assert_no_inline_code(Client(enforce_csrf_checks=True).post(reverse("account_login")))
