"""Signing in through an OpenID Connect provider: a real provider on 127.0.0.1, the test client on ours."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from dpms.models import AuditEvent
from tests.dpms.oidc import CLIENT_ID, query, sso_sign_in, start_sign_in

pytestmark = pytest.mark.django_db


def test_first_sign_in_links_the_person_by_verified_email_and_lands_on_the_dashboard(
    client, oidc_provider, sso_app, staff
):
    oidc_provider.set_user("okta-sam-1", email="Sam.Staff@example.com", email_verified=True, name="Sam Staff")
    response = sso_sign_in(client, oidc_provider, "okta-sam-1")
    assert response.status_code == 302, list(AuditEvent.objects.values_list("changes", flat=True))
    assert response["Location"] == reverse("dashboard")
    assert client.session[SESSION_KEY] == str(staff.pk)
    assert client.get(reverse("dashboard")).status_code == 200
    account = SocialAccount.objects.get(user=staff)
    assert (account.provider, account.uid) == ("acme", "okta-sam-1")
    events = {e.action: e for e in AuditEvent.objects.filter(action__startswith="auth.sso.")}
    assert events["auth.sso.link"].changes == {"provider": "acme", "subject": "okta-sam-1"}
    assert events["auth.sso.sign_in"].actor == staff
    assert events["auth.sso.sign_in"].source == "sso"


def test_the_link_is_the_subject_not_the_email(client, oidc_provider, sso_app, staff, outsider):
    """Once linked, the subject signs in as the same person even if the provider later reports another
    person's email for it."""
    oidc_provider.set_user("sub-1", email=staff.email, email_verified=True)
    sso_sign_in(client, oidc_provider, "sub-1")
    client.logout()
    oidc_provider.set_user("sub-1", email=outsider.email, email_verified=True)
    response = sso_sign_in(client, oidc_provider, "sub-1")
    assert response["Location"] == reverse("dashboard")
    assert client.session[SESSION_KEY] == str(staff.pk)


def test_the_authorisation_request_carries_state_nonce_and_pkce(client, sso_app, oidc_provider):
    params = query(start_sign_in(client))
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    assert len(params["state"]) >= 16
    assert len(params["nonce"]) >= 32
    assert set(params["scope"].split()) >= {"openid", "email"}
    # A fresh nonce and state each time.
    again = query(start_sign_in(client))
    assert again["nonce"] != params["nonce"]
    assert again["state"] != params["state"]


def test_sign_in_page_shows_the_provider_button_above_the_password_form(client, sso_app):
    html = client.get(reverse("account_login")).content.decode()
    assert "Sign in with Acme" in html
    assert html.index("Sign in with Acme") < html.index('name="password"')


def test_an_unknown_provider_is_not_found(client, sso_app):
    assert client.post("/accounts/oidc/nobody/login/").status_code == 404
    assert client.get("/accounts/oidc/nobody/login/callback/?state=x&code=y").status_code == 404
