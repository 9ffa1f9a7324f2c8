"""Single sign-on in a real browser: the "Sign in with ..." button, the provider's own sign-in form (a real
OpenID Connect provider on 127.0.0.1), and back to the dashboard; the sign-in page on a phone."""

import re

import pytest
from allauth.socialaccount.models import SocialApp
from playwright.sync_api import expect

from dpms.sso_config import clean_settings
from tests.dpms.oidc import CLIENT_ID, CLIENT_SECRET, running_provider
from tests.e2e.conftest import results_dir, save_page
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def oidc_provider():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def acme(transactional_db, oidc_provider):
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="acme",
        name="Acme",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings=clean_settings(preset="oidc", issuer=oidc_provider.issuer, allowed_domains=["example.com"]),
    )


def without_the_providers_cdn(page):
    # The test provider's pages link a stylesheet from a CDN; the test network is closed.
    page.route(
        "https://cdn.jsdelivr.net/**", lambda route: route.fulfill(status=200, content_type="text/css")
    )


def test_sign_in_with_the_company_provider_lands_on_the_dashboard(request, browser_page, oidc_provider, acme):
    sam = UserFactory(email="sam.staff@example.com", full_name="Sam Staff")
    oidc_provider.set_user("okta-sam", email=sam.email, email_verified=True, name="Sam Staff")
    page = browser_page
    without_the_providers_cdn(page)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    save_page(page, results_dir(request.config) / "sso-desktop-1-sign-in.png")
    page.get_by_role("button", name="Sign in with Acme").click()
    # At the provider: its own form, where the person is "okta-sam".
    expect(page).to_have_url(re.compile(re.escape(oidc_provider.issuer) + r"/oauth2/authorize"))
    page.get_by_placeholder("sub").fill("okta-sam")
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("main")).to_contain_text("Sam")
    # Their identity is listed under their account.
    page.goto("/accounts/3rdparty/")
    expect(page.get_by_role("table")).to_contain_text("Acme")
    expect(page.get_by_role("table")).to_contain_text(sam.email)
    save_page(page, results_dir(request.config) / "sso-desktop-2-identities.png")


def test_a_refusal_says_why_in_the_browser(request, browser_page, oidc_provider, acme):
    oidc_provider.set_user("stranger", email="stranger@example.com", email_verified=True)
    page = browser_page
    without_the_providers_cdn(page)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with Acme").click()
    page.get_by_placeholder("sub").fill("stranger")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", name="You were not signed in")).to_be_visible()
    expect(page.get_by_text("ask them to invite you")).to_be_visible()
    save_page(page, results_dir(request.config) / "sso-desktop-3-refused.png")


def test_the_sign_in_page_fits_a_phone(request, phone_page, acme):
    page = phone_page
    page.goto("/accounts/login/")
    button = page.get_by_role("button", name="Sign in with Acme")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None
    assert box["height"] >= 40  # a finger's target
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The password form is below the buttons.
    password = page.get_by_label("Password").bounding_box()
    assert password is not None
    assert password["y"] > box["y"]
    save_page(page, results_dir(request.config) / "sso-phone-1-sign-in.png")
