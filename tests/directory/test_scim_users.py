"""People through SCIM: an existing account is taken over without losing what the directory does not send,
every change is audited with the source scim and the connection's name, and responses honour attributes."""

import pytest

from dpms.models import AuditEvent
from tests.directory.conftest import ENTERPRISE, GROUP, PATCH, USER

pytestmark = pytest.mark.django_db


def test_taking_over_an_account_keeps_what_the_directory_does_not_send(scim, staff, manager):
    staff.job_title = "Accountant"
    staff.save()

    scim.create_user(staff.email)

    staff.refresh_from_db()
    assert staff.full_name == "Sam Staff"
    assert staff.manager == manager
    assert staff.team.name == "Finance"
    assert staff.job_title == "Accountant"


def test_changes_are_audited_with_the_source_and_the_connection(scim, connection):
    scim.create_user("new.joiner@acme-corp.com", displayName="New Joiner")

    event = AuditEvent.objects.get(action="people.user.invite")
    assert event.source == "scim"
    assert event.actor_id is None
    assert f"SCIM connection #{connection.pk} Okta" in event.actor_label
    link = AuditEvent.objects.get(action="directory.user.link")
    assert link.request_id == event.request_id


def test_attributes_and_excluded_attributes_shape_the_answer(scim):
    user = scim.create_user(
        "shape@acme-corp.com",
        displayName="Shape Person",
        schemas=[USER, ENTERPRISE],
        **{ENTERPRISE: {"department": "Ops", "employeeNumber": "42"}},
    )

    only = scim("GET", f"Users/{user['id']}?attributes=displayName").json()
    assert set(only) == {"schemas", "id", "displayName"}
    without = scim("GET", f'Users?filter=id eq "{user["id"]}"&excludedAttributes=emails').json()
    assert "emails" not in without["Resources"][0]
    assert without["Resources"][0][ENTERPRISE]["employeeNumber"] == "42"
    searched = scim("POST", "Users/.search", {"filter": 'displayName co "shape"', "attributes": ["userName"]})
    assert [resource["userName"] for resource in searched.json()["Resources"]] == ["shape@acme-corp.com"]


def test_a_change_beyond_the_portal_fields_is_audited_too(scim):
    user = scim.create_user("phone@acme-corp.com")
    add = {
        "schemas": [PATCH],
        "Operations": [{"op": "add", "path": "phoneNumbers", "value": [{"value": "+49 30 1234"}]}],
    }

    assert scim("PATCH", f"Users/{user['id']}", add).status_code == 200

    event = AuditEvent.objects.get(action="directory.user.update")
    assert event.source == "scim"
    assert event.changes["phoneNumbers"] == [None, [{"value": "+49 30 1234"}]]
    same = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "userName", "value": "phone@acme-corp.com"}],
    }
    scim("PATCH", f"Users/{user['id']}", same)
    assert AuditEvent.objects.filter(action="directory.user.update").count() == 1


def test_the_root_search_lists_people_and_groups_together(scim):
    scim.create_user("ops.person@acme-corp.com", displayName="Ops Person")
    scim("POST", "Groups", {"schemas": [GROUP], "displayName": "Ops"})
    scim("POST", "Groups", {"schemas": [GROUP], "displayName": "Finance"})

    both = scim("POST", ".search", {"filter": 'displayName sw "ops"', "attributes": ["displayName"]}).json()
    people = scim("POST", ".search", {"filter": 'userName sw "ops"'}).json()
    second_page = scim("POST", ".search", {"startIndex": 2, "count": 2}).json()

    assert both["totalResults"] == 2
    assert [resource["displayName"] for resource in both["Resources"]] == ["Ops Person", "Ops"]
    assert [resource["userName"] for resource in people["Resources"]] == ["ops.person@acme-corp.com"]
    assert second_page["totalResults"] == 3
    assert [resource["displayName"] for resource in second_page["Resources"]] == ["Ops", "Finance"]
    assert scim("POST", ".search", {"filter": 'nickName eq "x"'}).json()["scimType"] == "invalidFilter"
