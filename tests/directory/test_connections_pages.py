"""The admins' pages of SCIM connections: the permission ladder, a token shown once, rotation and revocation
that stop the old token at once, the counts and the latest requests, and query counts at two sizes."""

import pytest
from django.urls import reverse

from directory.models import DirectoryGroup, ScimConnection, ScimRequest
from directory.services.connections import connection_create
from dpms.models import AuditEvent, Team
from tests.directory.conftest import GROUP, Scim

pytestmark = pytest.mark.django_db

LIST = reverse("directory:connections")


def test_anonymous_visitors_are_sent_to_sign_in(client, connection):
    for url in (LIST, reverse("directory:connection", args=[connection.pk]), reverse("directory:approvals")):
        assert client.get(url).url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["staff", "manager", "security_officer", "auditor", "outsider"])
def test_only_admins_reach_the_connections(client_for, personas, persona, connection):
    client = client_for(personas[persona])
    group = DirectoryGroup.objects.create(connection=connection, display_name="Ops", display_name_key="ops")
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, {"name": "Entra ID"}).status_code == 403
    assert client.get(reverse("directory:connection", args=[connection.pk])).status_code == 403
    assert client.post(reverse("directory:connection_rotate", args=[connection.pk])).status_code == 403
    assert client.post(reverse("directory:connection_revoke", args=[connection.pk])).status_code == 403
    assert (
        client.post(
            reverse("directory:group_role", args=[group.pk]), {f"g{group.pk}-role": "auditor"}
        ).status_code
        == 403
    )
    assert client.get(reverse("directory:approvals")).status_code == 403
    connection.refresh_from_db()
    group.refresh_from_db()
    assert connection.revoked_at is None
    assert group.role == ""
    assert ScimConnection.objects.count() == 1


def test_an_admin_makes_a_connection_and_sees_its_token_once(client_for, admin_user, client):
    page = client_for(admin_user)

    response = page.post(LIST, {"name": "Entra ID"})

    assert response.status_code == 200
    text = response.context["token_text"]
    assert text.startswith("dpms_scim_")
    assert text in response.content.decode()
    connection = ScimConnection.objects.get(name="Entra ID")
    secret = text.removeprefix("dpms_scim_").split("_", 1)[1]  # after the hex prefix; it may hold "_" itself
    assert secret not in connection.token_hash
    assert text not in page.get(reverse("directory:connection", args=[connection.pk])).content.decode()
    assert text not in page.get(LIST).content.decode()
    assert AuditEvent.objects.filter(action="directory.connection.create", actor=admin_user).exists()
    assert page.post(LIST, {"name": "entra id"}).status_code == 400  # names are unique
    assert Scim(client, text)("GET", "Users").status_code == 200


def test_rotating_stops_the_old_token_and_revoking_stops_the_connection(
    client_for, admin_user, client, connection_and_token
):
    connection, old = connection_and_token
    page = client_for(admin_user)

    response = page.post(reverse("directory:connection_rotate", args=[connection.pk]))

    new = response.context["token_text"]
    assert Scim(client, old)("GET", "Users").status_code == 401
    assert Scim(client, new)("GET", "Users").status_code == 200

    page.post(reverse("directory:connection_revoke", args=[connection.pk]))

    assert Scim(client, new)("GET", "Users").status_code == 401
    assert "revoked" in page.get(LIST).content.decode()
    assert AuditEvent.objects.filter(action="directory.connection.revoke").count() == 1


def test_the_page_shows_last_sync_counts_and_the_latest_hundred_requests(
    client_for, admin_user, scim, connection
):
    scim.create_user("one@acme-corp.com")
    scim("POST", "Groups", {"schemas": [GROUP], "displayName": "Ops"})
    scim("GET", "Users?filter=nonsense")
    for _ in range(110):
        scim("GET", "ServiceProviderConfig")

    response = client_for(admin_user).get(reverse("directory:connection", args=[connection.pk]))

    page = response.content.decode()
    assert response.context["connection"].user_count == 1
    assert response.context["connection"].group_count == 1
    assert response.context["connection"].change_count == 2
    assert len(response.context["requests"]) == 100
    assert ScimRequest.objects.filter(connection=connection).count() == 113
    assert 'data-testid="last-sync">never' not in page
    assert "GET /scim/v2/ServiceProviderConfig" in page
    assert response.context["groups"][0].team == Team.objects.get(name="Ops")


def _connections(admin_user, count: int) -> list:
    made = []
    for number in range(count):
        connection, _ = connection_create(actor=admin_user, name=f"IdP {number}")
        made.append(connection)
    return made


@pytest.mark.parametrize("count", [1, 8])
def test_the_list_runs_the_same_queries_with_one_or_many_connections(
    client_for, admin_user, count, django_assert_num_queries
):
    _connections(admin_user, count)
    page = client_for(admin_user)
    page.get(LIST)  # warm the session's caches

    # The frame of every signed-in page (12: the session, the person, allauth's session row read and kept,
    # their roles, the unread notifications, the session saved) and the connections with their counts (1).
    with django_assert_num_queries(13):
        response = page.get(LIST)

    assert len(response.context["connections"]) == count


@pytest.mark.parametrize("requests", [2, 150])
def test_a_connection_page_runs_the_same_queries_at_any_size(
    client_for, admin_user, scim, connection, requests, django_assert_num_queries
):
    for number in range(3):
        scim("POST", "Groups", {"schemas": [GROUP], "displayName": f"Group {number}"})
    for _ in range(requests):
        scim("GET", "ServiceProviderConfig")
    page = client_for(admin_user)
    url = reverse("directory:connection", args=[connection.pk])
    page.get(url)

    # The frame of every signed-in page (12), the connection with its counts, its groups with their teams and
    # mappers, the latest requests, the pending approvals (4).
    with django_assert_num_queries(16):
        page.get(url)
