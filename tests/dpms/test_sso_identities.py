"""A person's sign-in identities under their account: listed, and unlinked where that leaves a way in."""

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dpms.models import AuditEvent
from tests.dpms.oidc import sso_sign_in

pytestmark = pytest.mark.django_db

PAGE = reverse("socialaccount_connections")


def link(user, n: int):
    for i in range(n):
        SocialApp.objects.create(
            provider="openid_connect", provider_id=f"idp{i}", name=f"IdP {i}", client_id="c"
        )
        SocialAccount.objects.create(
            user=user,
            provider=f"idp{i}",
            uid=f"u{i}",
            extra_data={"id_token": {"email": f"x{i}@example.com"}},
        )


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(PAGE)["Location"].startswith(reverse("account_login"))


def test_a_person_sees_their_identities_and_no_one_elses(client, oidc_provider, sso_app, staff, outsider):
    oidc_provider.set_user("sam", email=staff.email, email_verified=True)
    sso_sign_in(client, oidc_provider, "sam")
    SocialAccount.objects.create(user=outsider, provider="acme", uid="otto", extra_data={})
    html = client.get(PAGE).content.decode()
    assert "Acme" in html
    assert staff.email in html
    assert html.count('name="account"') == 1


def test_the_account_menu_links_to_the_page(client, staff):
    client.force_login(staff)
    assert f'href="{PAGE}"' in client.get(reverse("dashboard")).content.decode()


def test_unlinking_is_audited_and_the_identity_no_longer_signs_in(client, oidc_provider, sso_app, staff):
    oidc_provider.set_user("sam", email=staff.email, email_verified=True)
    sso_sign_in(client, oidc_provider, "sam")  # staff keeps their password: unlinking leaves a way in
    account = SocialAccount.objects.get(user=staff)
    response = client.post(PAGE, {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.exists()
    event = AuditEvent.objects.get(action="auth.sso.unlink")
    assert (event.actor, event.changes) == (staff, {"provider": "acme", "subject": "sam"})


def test_someone_elses_identity_cannot_be_unlinked(client, staff, outsider):
    other = SocialAccount.objects.create(user=outsider, provider="acme", uid="otto", extra_data={})
    client.force_login(staff)
    response = client.post(PAGE, {"account": other.pk})
    assert response.status_code == 200
    assert SocialAccount.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("identities", [1, 6])
def test_the_page_runs_the_same_queries_for_one_identity_or_six(client, staff, identities):
    link(staff, identities)
    client.force_login(staff)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    assert response.content.decode().count('name="account"') == identities
    # The session and the person; allauth's session index (read, person, savepoint, update, release); the
    # unread notifications; the person's roles (the MFA gate); the person's accounts; the providers three
    # times (the identities' names, the link buttons, the CSP's form-action); the session saved (3).
    assert len(queries) == EXPECTED_QUERIES, "\n".join(q["sql"][:150] for q in queries)


EXPECTED_QUERIES = 16


def connect(client, oidc_provider, sub):
    """A signed-in person presses "Link Acme" on their identities page and signs in at the provider."""
    from tests.dpms.oidc import path_and_query

    start = client.post(reverse("openid_connect_login", args=["acme"]), {"process": "connect"})
    assert start.status_code == 302, start.content[:300]
    return client.get(path_and_query(oidc_provider.authorize(start["Location"], sub)))


def test_a_person_links_an_identity_with_their_own_verified_email(client, oidc_provider, sso_app, staff):
    oidc_provider.set_user("sam", email=staff.email, email_verified=True)
    client.force_login(staff)
    response = connect(client, oidc_provider, "sam")
    assert response["Location"] == PAGE
    assert SocialAccount.objects.get(user=staff).uid == "sam"
    assert AuditEvent.objects.filter(action="auth.sso.link", actor=staff).exists()


def test_an_identity_of_another_email_cannot_be_linked(client, oidc_provider, sso_app, staff, outsider):
    oidc_provider.set_user("otto", email=outsider.email, email_verified=True)
    client.force_login(staff)
    response = connect(client, oidc_provider, "otto")
    assert response.status_code == 403
    assert "different email address" in response.content.decode()
    assert not SocialAccount.objects.exists()
