"""An admin adds a single sign-on provider in the Django admin, its settings checked; the sign-in page then
offers it."""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.urls import NoReverseMatch, reverse

from dpms.models import AuditEvent

pytestmark = pytest.mark.django_db

ADD = reverse("admin:socialaccount_socialapp_add")


def form(**changes):
    data = {
        "name": "Acme Okta",
        "provider_id": "okta",
        "preset": "okta",
        "issuer": "",
        "tenant": "https://acme.okta.com/",
        "client_id": "0oa1b2c3",
        "secret": "s3cret",
        "allowed_domains": "Example.com, acme.example",
        "team_claim": "department",
    }
    data.update(changes)
    return data


def test_an_admin_adds_an_okta_provider_and_it_appears_on_the_sign_in_page(client, admin_user):
    client.force_login(admin_user)
    response = client.post(ADD, form(jit="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    app = SocialApp.objects.get(provider_id="okta")
    assert app.provider == "openid_connect"
    assert app.settings == {
        "server_url": "https://acme.okta.com",
        "oauth_pkce_enabled": True,
        "preset": "okta",
        "allowed_domains": ["acme.example", "example.com"],
        "jit": True,
        "team_claim": "department",
    }
    event = AuditEvent.objects.get(action="sso.provider.add")
    assert (event.actor, event.changes["provider_id"]) == (admin_user, "okta")
    assert "s3cret" not in str(event.changes)
    client.logout()
    assert "Sign in with Acme Okta" in client.get(reverse("account_login")).content.decode()


def test_google_needs_no_issuer(client, admin_user):
    client.force_login(admin_user)
    client.post(ADD, form(name="Google", provider_id="google", preset="google", tenant=""))
    assert SocialApp.objects.get(provider_id="google").settings["server_url"] == "https://accounts.google.com"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"preset": "oidc", "issuer": "http://login.example.com"}, "must use https://"),
        ({"preset": "oidc", "issuer": ""}, "Give the issuer as a URL"),
        ({"tenant": "acme.okta.com"}, "Give the issuer as a URL"),
        ({"allowed_domains": "example.com, not a domain!"}, "Not an email domain"),
        ({"team_claim": "department name"}, "Give a claim name"),
        ({"provider_id": "Okta Prod"}, "short lower-case name"),
    ],
)
def test_wrong_settings_are_form_errors_and_nothing_is_saved(client, admin_user, changes, message):
    client.force_login(admin_user)
    response = client.post(ADD, form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SocialApp.objects.exists()


def test_staff_cannot_reach_the_providers(client, staff):
    client.force_login(staff)
    assert client.get(ADD).status_code in (302, 403)
    assert not SocialApp.objects.exists()


def test_an_id_taken_by_a_provider_from_the_environment_is_refused(client, admin_user, settings):
    from dpms.sso_config import socialaccount_providers

    env = '[{"id": "okta", "preset": "okta", "tenant": "https://acme.okta.com", "client_id": "x"}]'
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(env)
    client.force_login(admin_user)
    response = client.post(ADD, form())
    assert "A provider from SSO_PROVIDERS has this id." in response.content.decode()
    assert not SocialApp.objects.exists()


def test_an_admin_sees_sign_in_identities_but_cannot_change_or_delete_them(client, admin_user, staff):
    identity = SocialAccount.objects.create(user=staff, provider="acme", uid="sam-at-acme", extra_data={})
    client.force_login(admin_user)
    listing = client.get(reverse("admin:socialaccount_socialaccount_changelist"))
    assert listing.status_code == 200
    assert "sam-at-acme" in listing.content.decode()
    change_url = reverse("admin:socialaccount_socialaccount_change", args=[identity.pk])
    response = client.post(change_url, {"user": admin_user.pk, "provider": "acme", "uid": "sam-at-acme"})
    assert response.status_code == 403  # handing Sam's identity to the admin is refused
    delete_url = reverse("admin:socialaccount_socialaccount_delete", args=[identity.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    identity.refresh_from_db()
    assert identity.user == staff


def test_no_admin_page_shows_provider_tokens(client, admin_user):
    with pytest.raises(NoReverseMatch):
        reverse("admin:socialaccount_socialtoken_changelist")
