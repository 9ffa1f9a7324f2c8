"""Identity providers send requests in parallel (Entra ID uses several threads): on PostgreSQL, the same
person created four times at once lands once (the others get 409 uniqueness), and four PATCHes adding a
member each to one group at once all count (the group's row lock: no add is lost)."""

import pytest
from django.test import Client

from directory.models import DirectoryMembership, DirectoryUser
from dpms.models import User
from tests.concurrency import at_once
from tests.directory.conftest import GROUP, PATCH, USER, Scim

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_person_created_at_once_lands_once(requires_postgres, connection_and_token):
    _, token = connection_and_token
    body = {"schemas": [USER], "userName": "twin@acme-corp.com", "emails": [{"value": "twin@acme-corp.com"}]}

    def create():
        response = Scim(Client(), token)("POST", "Users", body)
        return response.status_code, response.json().get("scimType")

    results = at_once(create, create, create, create)

    assert sorted(results, key=str) == [
        (201, None),
        (409, "uniqueness"),
        (409, "uniqueness"),
        (409, "uniqueness"),
    ]
    assert DirectoryUser.objects.count() == 1
    assert User.objects.filter(email="twin@acme-corp.com").count() == 1


def test_members_added_at_once_are_all_kept(requires_postgres, connection_and_token, client):
    _, token = connection_and_token
    scim = Scim(client, token)
    people = [scim.create_user(f"member{n}@acme-corp.com") for n in range(4)]
    group = scim("POST", "Groups", {"schemas": [GROUP], "displayName": "Busy"}).json()

    def add(person):
        def call():
            body = {
                "schemas": [PATCH],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": person["id"]}]}],
            }
            return Scim(Client(), token)("PATCH", f"Groups/{group['id']}", body).status_code

        return call

    assert at_once(*[add(person) for person in people]) == [200, 200, 200, 200]
    assert DirectoryMembership.objects.filter(group__scim_id=group["id"]).count() == 4
    assert len(scim("GET", f"Groups/{group['id']}").json()["members"]) == 4
