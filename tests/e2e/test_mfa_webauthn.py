"""Security keys and passkeys in a real browser: Chromium's DevTools virtual authenticator stands in for the
key. A security officer held at enrolment adds a passkey, then signs in with the password and the key.

WebAuthn refuses an IP address as the relying party id, so this test serves the portal at
http://localhost:<port> (development allows WebAuthn over plain http: MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN).
"""

import re
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from dpms.models import AuditEvent
from tests.e2e.conftest import DESKTOP, _open_page
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def localhost_page(request, chromium, live_server):
    server = SimpleNamespace(url=re.sub(r"//[^:/]+", "//localhost", live_server.url, count=1))
    yield from _open_page(request, chromium, server, DESKTOP)


def add_virtual_authenticator(page):
    """A platform authenticator with resident keys and user verification (a laptop's passkey store)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def password_step(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_officer_adds_a_passkey_and_signs_in_with_it(localhost_page, officer):
    page = localhost_page
    cdp, authenticator_id = add_virtual_authenticator(page)

    password_step(page, officer)
    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))  # held at enrolment
    expect(page.get_by_test_id("mfa-required")).to_be_visible()

    page.get_by_role("link", name="Add a security key or passkey").click()
    page.get_by_label("Name").fill("Laptop passkey")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))  # codes made with the first key
    expect(page.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    key = Authenticator.objects.get(user=officer, type="webauthn")
    assert key.wrap().name == "Laptop passkey"
    assert key.wrap().is_passwordless
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]
    assert [credential["isResidentCredential"] for credential in stored] == [True]  # a passkey
    assert AuditEvent.objects.filter(action="auth.mfa.enrol", changes__type="webauthn").exists()

    page.goto("/dashboard/")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))  # adding the key showed a second factor

    page.locator("summary", has_text=officer.get_short_name()).click()  # the account menu
    page.get_by_role("button", name="Sign out").click()
    password_step(page, officer)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_role("button", name="Use a security key or passkey").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Olga")
    key.refresh_from_db()
    assert key.last_used_at is not None

    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Manage keys").click()
    expect(page.get_by_role("cell", name=re.compile("Laptop passkey"))).to_be_visible()


def test_a_passkey_signs_in_alone_without_the_password(localhost_page, officer):
    page = localhost_page
    add_virtual_authenticator(page)
    password_step(page, officer)
    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Add a security key or passkey").click()
    page.get_by_label("Name").fill("Laptop passkey")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    page.goto("/dashboard/")
    page.locator("summary", has_text=officer.get_short_name()).click()
    page.get_by_role("button", name="Sign out").click()

    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()  # no email, no password
    expect(page).to_have_url(re.compile(r"/dashboard/$"))  # and not held at the MFA gate: the key was both
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Olga")
