"""What single sign-on refuses, each with its reason on the page and in the audit trail: faults in the ID
token (made by a real relay in front of the provider's token endpoint), a replayed state, and identities
that may not be linked."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import SESSION_KEY

from dpms.models import AuditEvent
from tests.dpms.oidc import expired, path_and_query, sso_sign_in, start_sign_in, token_relay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def refusal(response) -> dict:
    """The refusal's reason as the page states it, and its audit event."""
    event = AuditEvent.objects.filter(action="auth.sso.refused").latest("sequence")
    return {
        "status": response.status_code,
        "page": response.content.decode(),
        "reason": event.changes["reason"],
    }


def assert_refused(client, response, reason: str, *, status: int):
    seen = refusal(response)
    assert (seen["status"], seen["reason"]) == (status, reason)
    assert "You were not signed in" in seen["page"]
    assert SESSION_KEY not in client.session


@pytest.fixture
def sam(oidc_provider, sso_app, staff):
    oidc_provider.set_user("sam", email=staff.email, email_verified=True, name="Sam Staff")
    return staff


def relayed(sso_app, relay):
    sso_app.settings["openid_configuration_overrides"] = {"token_endpoint": relay.url}
    sso_app.save()


@pytest.mark.parametrize(
    ("options", "why"),
    [
        ({"claims": {"aud": "some-other-client"}}, "Audience doesn't match"),
        ({"claims": {"iss": "https://evil.example.com"}}, "Invalid issuer"),
        ({"claims": {"exp": expired}}, "Signature has expired"),
        ({"claims": {"nonce": "not-the-nonce-we-sent-for-this-sign-in"}}, "nonce is not this sign-in's"),
        ({"claims": {"nonce": None}}, "has no nonce"),
        ({"rogue_key": True}, "Signature verification failed"),
    ],
    ids=["another audience", "another issuer", "expired", "another nonce", "no nonce", "unpublished key"],
)
def test_an_id_token_with_a_fault_is_refused(client, oidc_provider, sso_app, sam, options, why):
    with token_relay(oidc_provider, **options) as relay:
        relayed(sso_app, relay)
        response = sso_sign_in(client, oidc_provider, "sam")
    assert relay.answers, "the relay altered the provider's answer"
    assert_refused(client, response, "bad_token", status=400)
    assert "could not be verified" in response.content.decode()
    assert why in AuditEvent.objects.get(action="auth.sso.refused").changes["detail"]
    assert not SocialAccount.objects.exists()


def test_the_relay_itself_leaves_a_good_token_good(client, oidc_provider, sso_app, sam):
    """The relay re-signs with the provider's key: with no fault the sign-in works, so the faults above are
    what is refused."""
    with token_relay(oidc_provider) as relay:
        relayed(sso_app, relay)
        response = sso_sign_in(client, oidc_provider, "sam")
    assert relay.answers
    assert client.session[SESSION_KEY] == str(sam.pk), response.content[:300]


def test_a_replayed_callback_is_refused(client, oidc_provider, sso_app, sam):
    back = oidc_provider.authorize(start_sign_in(client), "sam")
    assert client.get(path_and_query(back)).status_code == 302
    client.logout()
    response = client.get(path_and_query(back))
    assert_refused(client, response, "bad_state", status=400)


def test_a_callback_from_another_browser_is_refused(client, oidc_provider, sso_app, sam):
    """The state belongs to the session that started the sign-in: a stolen callback URL is useless."""
    from django.test import Client

    back = oidc_provider.authorize(start_sign_in(Client()), "sam")
    response = client.get(path_and_query(back))
    assert_refused(client, response, "bad_state", status=400)


def test_unverified_email_is_refused(client, oidc_provider, sso_app, staff):
    oidc_provider.set_user("sam", email=staff.email, email_verified=False)
    response = sso_sign_in(client, oidc_provider, "sam")
    assert_refused(client, response, "unverified_email", status=403)
    assert "did not confirm that this email address is yours" in response.content.decode()


def test_email_outside_the_allowed_domains_is_refused(client, oidc_provider, sso_app):
    UserFactory(email="eve@elsewhere.org")
    oidc_provider.set_user("eve", email="eve@elsewhere.org", email_verified=True)
    response = sso_sign_in(client, oidc_provider, "eve")
    assert_refused(client, response, "domain", status=403)


def test_an_identity_nobody_was_invited_for_is_refused(client, oidc_provider, sso_app):
    oidc_provider.set_user("newbie", email="newbie@example.com", email_verified=True)
    response = sso_sign_in(client, oidc_provider, "newbie")
    assert_refused(client, response, "unknown_subject", status=403)
    assert "ask them to invite you" in response.content.decode()


def test_a_second_identity_claiming_a_linked_email_is_refused(client, oidc_provider, sso_app, sam):
    sso_sign_in(client, oidc_provider, "sam")
    client.logout()
    oidc_provider.set_user("impostor", email=sam.email, email_verified=True)
    response = sso_sign_in(client, oidc_provider, "impostor")
    assert_refused(client, response, "email_linked", status=403)
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["sam"]


def test_a_deactivated_person_cannot_sign_in(client, oidc_provider, sso_app, sam, admin_user):
    from dpms import services

    sso_sign_in(client, oidc_provider, "sam")
    client.logout()
    services.user_deactivate(actor=admin_user, user=sam)
    response = sso_sign_in(client, oidc_provider, "sam")
    assert_refused(client, response, "deactivated", status=403)


def test_refusals_are_audited_with_provider_subject_and_email(client, oidc_provider, sso_app):
    oidc_provider.set_user("x", email="x@example.com", email_verified=False)
    sso_sign_in(client, oidc_provider, "x")
    event = AuditEvent.objects.get(action="auth.sso.refused")
    assert event.changes == {
        "reason": "unverified_email",
        "provider": "acme",
        "subject": "x",
        "email": "x@example.com",
    }
    assert event.source == "sso"


def test_cancelling_at_the_provider_says_so(client, oidc_provider, sso_app, sam):
    import requests

    denied = requests.post(start_sign_in(client), data={"action": "deny"}, allow_redirects=False, timeout=5)
    response = client.get(path_and_query(denied.headers["Location"]))
    assert_refused(client, response, "cancelled", status=400)
    assert "cancelled at your identity provider" in response.content.decode()


def test_a_discovery_document_naming_another_issuer_is_refused(client, oidc_provider, sso_app, sam):
    """The provider's discovery must name the issuer the admin configured (OpenID Connect Discovery 4.3)."""
    sso_app.settings["openid_configuration_overrides"] = {"issuer": "https://login.elsewhere.example"}
    sso_app.save()
    response = sso_sign_in(client, oidc_provider, "sam")
    assert_refused(client, response, "bad_token", status=400)
    assert (
        "discovery document's issuer" in AuditEvent.objects.get(action="auth.sso.refused").changes["detail"]
    )
