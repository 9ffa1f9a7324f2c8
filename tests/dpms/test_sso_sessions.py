"""SSO sessions: sign-out at the provider too (RP-initiated logout), and the session rules of every
sign-in (idle and absolute lifetime, deactivation) apply to them."""

import time

import pytest
import requests
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from dpms import services
from dpms.middleware import SIGNED_IN_AT
from tests.dpms.oidc import query, sso_sign_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, oidc_provider, sso_app, staff):
    oidc_provider.set_user("sam", email=staff.email, email_verified=True)
    assert sso_sign_in(client, oidc_provider, "sam")["Location"] == reverse("dashboard")
    return staff


def test_sign_out_ends_the_provider_session_too(client, oidc_provider, signed_in):
    response = client.post(reverse("account_logout"))
    assert SESSION_KEY not in client.session
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{oidc_provider.issuer}/oauth2/end_session?")
    params = query(location)
    assert params["post_logout_redirect_uri"] == "http://testserver" + reverse("account_login")
    assert params["id_token_hint"].count(".") == 2
    # The provider accepts the request and offers the way back to our sign-in page.
    page = requests.get(location, timeout=5)
    assert page.status_code == 200
    assert "/accounts/login/" in page.text


def test_the_sign_in_page_lets_the_browser_post_to_the_provider(client, oidc_provider, sso_app):
    """The buttons' redirect goes to the provider: the page's CSP form-action allows its origin."""
    csp = client.get(reverse("account_login"))["Content-Security-Policy"]
    form_action = next(part for part in csp.split(";") if "form-action" in part)
    assert oidc_provider.issuer in form_action


def test_signed_in_pages_allow_the_sign_out_redirect(client, oidc_provider, signed_in):
    csp = client.get(reverse("dashboard"))["Content-Security-Policy"]
    assert oidc_provider.issuer in next(part for part in csp.split(";") if "form-action" in part)


def test_a_password_sign_out_stays_here(client, staff):
    client.post(reverse("account_login"), {"login": staff.email, "password": TEST_PASSWORD})
    assert client.post(reverse("account_logout"))["Location"] == reverse("account_login")


def test_the_absolute_lifetime_ends_an_sso_session(client, signed_in, settings):
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_MAX_HOURS * 3600 - 60
    session.save()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_idle_sso_session_ends(client, signed_in):
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now())
    response = client.get(reverse("dashboard"))
    assert response["Location"].startswith(reverse("account_login"))


def test_deactivation_ends_an_sso_session(client, signed_in, admin_user):
    services.user_deactivate(actor=admin_user, user=signed_in)
    response = client.get(reverse("dashboard"))
    assert response["Location"].startswith(reverse("account_login"))
