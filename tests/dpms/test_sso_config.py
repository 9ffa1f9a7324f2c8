"""SSO_PROVIDERS: providers from the environment (infrastructure as code), presets for Google and Okta, and
a malformed value that stops the start with a message naming what is wrong."""

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from dpms.sso_config import apps_from_env, socialaccount_providers
from tests.dpms.oidc import CLIENT_ID, sso_sign_in
from tests.dpms.production import ROOT

EXAMPLE = [
    {"id": "google", "preset": "google", "client_id": "123.apps.googleusercontent.com", "secret": "g",
     "allowed_domains": ["example.com"]},
    {"id": "okta", "preset": "okta", "tenant": "https://acme.okta.com", "client_id": "0oa1", "secret": "o",
     "allowed_domains": ["example.com"], "jit": True, "team_claim": "department"},
    {"id": "keycloak", "name": "Company login", "issuer": "https://sso.example.com/realms/staff",
     "client_id": "dpms", "secret": "k"},
]  # fmt: skip


def test_the_example_gives_one_app_per_provider_with_pkce():
    apps = {app["provider_id"]: app for app in apps_from_env(json.dumps(EXAMPLE))}
    assert apps["google"]["name"] == "Google"
    assert apps["google"]["settings"]["server_url"] == "https://accounts.google.com"
    assert apps["okta"]["settings"]["server_url"] == "https://acme.okta.com"
    assert (apps["okta"]["settings"]["jit"], apps["okta"]["settings"]["team_claim"]) == (True, "department")
    assert apps["keycloak"]["name"] == "Company login"
    assert apps["keycloak"]["settings"]["allowed_domains"] == []
    assert all(app["settings"]["oauth_pkce_enabled"] for app in apps.values())
    assert socialaccount_providers("")["openid_connect"]["OAUTH_PKCE_ENABLED"] is True


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('[{"id": "okta"', "SSO_PROVIDERS is not valid JSON"),
        ('{"id": "okta"}', "must be a JSON list"),
        (
            '[{"id": "okta", "preset": "okta", "client_id": "x", "tennant": "https://a.okta.com"}]',
            "unknown keys ['tennant']",
        ),
        ('[{"id": "okta", "preset": "okta", "client_id": "x"}]', "SSO_PROVIDERS[0] (okta): tenant"),
        (
            '[{"id": "x", "issuer": "http://login.example.com", "client_id": "c", "name": "X"}]',
            "must use https://",
        ),
        ('[{"id": "x", "issuer": "https://login.example.com", "name": "X"}]', "needs a client_id"),
        ('[{"id": "x", "issuer": "https://login.example.com", "client_id": "c"}]', "needs a name"),
        ('[{"id": "Bad Id", "preset": "google", "client_id": "c"}]', "id must be a short lower-case name"),
        (
            '[{"id": "g", "preset": "google", "client_id": "c", "allowed_domains": "example.com"}]',
            "a list of email domains",
        ),
        (
            '[{"id": "g", "preset": "google", "client_id": "c"}, {"id": "g", "preset": "google", "client_id": "d"}]',  # noqa: E501
            "more than once",
        ),
    ],
)
def test_a_malformed_value_is_refused_naming_the_fault(value, message):
    with pytest.raises(ImproperlyConfigured) as caught:
        apps_from_env(value)
    assert message in str(caught.value)


def test_the_start_fails_with_a_clear_message():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSO_")}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "dpms.settings", "DEBUG": "true", "SSO_PROVIDERS": '[{"id": "okta"'}
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "ImproperlyConfigured: SSO_PROVIDERS is not valid JSON" in result.stderr


@pytest.mark.django_db
def test_a_provider_from_the_environment_signs_people_in(client, oidc_provider, settings, staff):
    entry = {"id": "corp", "name": "Corp", "issuer": oidc_provider.issuer, "client_id": CLIENT_ID,
             "secret": "s", "allowed_domains": ["example.com"]}  # fmt: skip
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(json.dumps([entry]))
    assert "Sign in with Corp" in client.get(reverse("account_login")).content.decode()
    oidc_provider.set_user("sam", email=staff.email, email_verified=True)
    response = sso_sign_in(client, oidc_provider, "sam", provider_id="corp")
    assert response["Location"] == reverse("dashboard")
