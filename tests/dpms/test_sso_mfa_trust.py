"""SSO_MFA_TRUST: an identity provider's amr/acr saying it asked a second factor counts as ours only when
trusted; otherwise a person with an authenticator app is asked for its code after single sign-on."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from dpms.models import AuditEvent
from tests.dpms.oidc import sso_sign_in
from tests.mfa_support import give_totp, unused_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam_with_app(oidc_provider, sso_app, staff):
    give_totp(staff)
    return staff


def sign_in(client, oidc_provider, staff, **claims):
    oidc_provider.set_user("sam", email=staff.email, email_verified=True, **claims)
    return sso_sign_in(client, oidc_provider, "sam")


def test_trusted_provider_mfa_skips_the_local_code(client, oidc_provider, sam_with_app, settings):
    settings.SSO_MFA_TRUST = True
    response = sign_in(client, oidc_provider, sam_with_app, amr=["pwd", "mfa"])
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    assert AuditEvent.objects.get(action="auth.sso.sign_in").changes["idp_mfa"] is True


def test_an_acr_naming_multi_factor_counts_too(client, oidc_provider, sam_with_app, settings):
    settings.SSO_MFA_TRUST = True
    response = sign_in(
        client,
        oidc_provider,
        sam_with_app,
        acr="http://schemas.openid.net/pape/policies/2007/06/multi-factor",
    )
    assert response["Location"] == reverse("dashboard")


@pytest.mark.parametrize(
    ("trust", "claims"), [(False, {"amr": ["mfa"]}), (True, {"amr": ["pwd"]}), (True, {})]
)
def test_otherwise_the_local_code_is_asked(client, oidc_provider, sam_with_app, settings, trust, claims):
    settings.SSO_MFA_TRUST = trust
    response = sign_in(client, oidc_provider, sam_with_app, **claims)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("account_login"))
    assert not AuditEvent.objects.filter(action="auth.sso.sign_in").exists()


def test_a_security_officer_trusted_by_the_provider_is_not_sent_to_enrolment(
    client, oidc_provider, sso_app, security_officer, settings
):
    settings.SSO_MFA_TRUST = True
    sign_in(client, oidc_provider, security_officer, amr=["hwk"])
    assert client.get(reverse("dashboard")).status_code == 200


def test_an_untrusted_sso_sign_in_of_a_security_officer_reaches_only_enrolment(
    client, oidc_provider, sso_app, security_officer
):
    sign_in(client, oidc_provider, security_officer, amr=["mfa"])
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert "/2fa/" in response["Location"]


def test_linking_another_identity_keeps_the_trusted_second_factor(
    client, oidc_provider, sso_app, security_officer, settings
):
    from allauth.socialaccount.models import SocialApp

    from tests.dpms.oidc import path_and_query

    settings.SSO_MFA_TRUST = True
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="acme2",
        name="Acme 2",
        client_id="c2",
        secret="s2",
        settings=dict(sso_app.settings),
    )
    sign_in(client, oidc_provider, security_officer, amr=["mfa"])
    oidc_provider.set_user("olga-2", email=security_officer.email, email_verified=True)  # no amr this time
    start = client.post(reverse("openid_connect_login", args=["acme2"]), {"process": "connect"})
    client.get(path_and_query(oidc_provider.authorize(start["Location"], "olga-2")))
    assert security_officer.socialaccount_set.count() == 2
    assert client.get(reverse("dashboard")).status_code == 200


def test_after_single_sign_on_the_local_code_completes_the_sign_in(client, oidc_provider, sam_with_app):
    response = sign_in(client, oidc_provider, sam_with_app)
    assert response["Location"] == reverse("mfa_authenticate")
    done = client.post(reverse("mfa_authenticate"), {"code": unused_code(sam_with_app)})
    assert done["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    event = AuditEvent.objects.get(action="auth.sso.sign_in")
    assert (event.actor, event.changes["idp_mfa"]) == (sam_with_app, False)
