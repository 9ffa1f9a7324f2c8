"""The API tokens page under the account: create a token (its text shown once), see and revoke yours; a
security officer sees and revokes everyone's."""

import pytest
from django.urls import reverse

from dpms.models import ApiToken
from tests.dpms.api_support import token_for

pytestmark = pytest.mark.django_db

URL = reverse("api_tokens")


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_new_token_is_shown_once(client_for, staff):
    client = client_for(staff)
    response = client.post(
        URL,
        {
            "name": "backup script",
            "days": "30",
            "read_write": "on",
            "allowed_networks": "10.0.0.0/8\n192.0.2.1",
        },
    )
    assert response.status_code == 200
    text = response.context["created_text"]
    assert text in response.content.decode()
    token = ApiToken.objects.get(user=staff)
    assert (token.name, token.read_only) == ("backup script", False)
    assert token.allowed_networks == ["10.0.0.0/8", "192.0.2.1/32"]
    assert 29 <= (token.expires_at - token.created_at).days <= 30
    assert text not in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "days": "30"}, "name"),
        ({"name": "x", "days": "400"}, "days"),
        ({"name": "x", "days": "0"}, "days"),
        ({"name": "x", "days": "30", "allowed_networks": "not-a-network"}, "allowed_networks"),
    ],
)
def test_a_bad_form_is_a_form_error_and_creates_nothing(client_for, staff, data, field):
    response = client_for(staff).post(URL, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_people_see_only_their_own_tokens(client_for, staff, outsider):
    token_for(staff, name="mine")
    token_for(outsider, name="theirs")
    page = client_for(staff).get(URL).content.decode()
    assert "mine" in page
    assert "theirs" not in page


def test_a_security_officer_sees_and_revokes_everyones(client_for, staff, security_officer):
    token, _ = token_for(staff, name="staff script")
    client = client_for(security_officer)
    assert "staff script" in client.get(URL).content.decode()
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == security_officer


def test_someone_elses_token_cannot_be_revoked(client_for, staff, outsider):
    token, _ = token_for(outsider)
    assert client_for(staff).post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("count", [2, 30])
def test_the_page_runs_the_same_queries_whatever_the_number_of_tokens(
    client_for, security_officer, staff, count, django_assert_num_queries
):
    for n in range(count):
        token_for(staff, name=f"t{n}")
    client = client_for(security_officer)
    client.get(URL)  # a session's first request also records it (allauth usersessions)
    # 14 queries: session and user (2); allauth's user-session tracking: savepoint, select session, select
    # its user, update last seen, release (5); the officer's groups (1); the count and the page of tokens with
    # their owners (2); the header's unread count (1); saving the sliding session: savepoint, update,
    # release (3).
    with django_assert_num_queries(14):
        assert client.get(URL).status_code == 200
