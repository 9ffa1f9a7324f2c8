"""Bad input gets a SCIM error with its scimType, never a 500, and leaves nothing half-saved."""

import pytest

from directory.models import DirectoryGroup, DirectoryUser, ScimRequest
from directory.services.connections import connection_revoke
from dpms.models import AuditEvent, Team, User
from tests.directory.conftest import ENTERPRISE, GROUP, PATCH, USER


def _error(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    return body


def test_no_wrong_or_revoked_token_is_a_401_scim_error(client, scim, connection, admin_user):
    assert _error(client.get("/scim/v2/Users"), 401)
    wrong = client.get("/scim/v2/Users", HTTP_AUTHORIZATION="Bearer dpms_scim_abc_wrong")
    _error(wrong, 401)
    assert wrong["WWW-Authenticate"] == 'Bearer realm="scim"'
    assert scim("GET", "Users").status_code == 200

    connection_revoke(actor=admin_user, connection=connection)

    _error(scim("GET", "Users"), 401)


def test_malformed_json_is_invalid_syntax(scim):
    _error(
        scim("POST", "Users", raw=b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName":'),
        400,
        "invalidSyntax",
    )
    _error(scim("POST", "Users", raw=b"[1, 2]"), 400, "invalidSyntax")
    _error(scim("POST", "Users", raw=b"\xff\xfe"), 400, "invalidSyntax")
    assert not DirectoryUser.objects.exists()


def test_unknown_attributes_are_refused(scim):
    body = {
        "schemas": [USER],
        "userName": "x@acme-corp.com",
        "emails": [{"value": "x@acme-corp.com"}],
        "shoeSize": 44,
    }
    error = _error(scim("POST", "Users", body), 400, "invalidSyntax")
    assert "shoeSize" in error["detail"]
    patch = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "shoeSize", "value": 45}]}
    user = scim.create_user("y@acme-corp.com")
    assert scim("PATCH", f"Users/{user['id']}", patch).status_code == 400
    assert not User.objects.filter(email="x@acme-corp.com").exists()


def test_a_person_needs_an_email(scim):
    error = _error(scim("POST", "Users", {"schemas": [USER], "userName": "no-email"}), 400, "invalidValue")
    assert "email" in error["detail"]
    assert not User.objects.filter(full_name="no-email").exists()


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "x") OR 1=1 --',
        "userName eq x",
        'password eq "secret"',
        'user_name_key eq "a"',
        'userName gt "a"',
        'emails.value eq "a" or __class__ pr',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"',
        'active eq "true"',
    ],
)
def test_a_filter_outside_the_grammar_or_the_whitelist_is_invalid_filter(scim, text):
    scim.create_user("someone@acme-corp.com")
    _error(scim("GET", f"Users?filter={text}"), 400, "invalidFilter")


def test_a_quoted_injection_is_only_a_value(scim):
    scim.create_user("someone@acme-corp.com")
    found = scim("GET", 'Users?filter=userName eq "x\\" or \\"1\\" eq \\"1"').json()
    assert found["totalResults"] == 0
    assert scim("GET", 'Users?filter=userName co "%"').json()["totalResults"] == 0


def test_pagination_values_are_checked(scim):
    _error(scim("GET", "Users?count=ten"), 400, "invalidValue")
    assert scim("GET", "Users?startIndex=-4&count=-1").json()["startIndex"] == 1


def test_a_manager_cycle_is_refused_and_nothing_changes(scim):
    a = scim.create_user("a@acme-corp.com")
    b = scim.create_user("b@acme-corp.com")
    path = f"{ENTERPRISE}:manager"
    assert (
        scim(
            "PATCH",
            f"Users/{b['id']}",
            {"schemas": [PATCH], "Operations": [{"op": "add", "path": path, "value": a["id"]}]},
        ).status_code
        == 200
    )
    events = AuditEvent.objects.count()

    cycle = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "replace", "path": "displayName", "value": "Renamed A"},
            {"op": "add", "path": path, "value": b["id"]},
        ],
    }
    error = _error(scim("PATCH", f"Users/{a['id']}", cycle), 400, "invalidValue")

    assert "loop" in error["detail"]
    person = User.objects.get(email="a@acme-corp.com")
    assert person.manager is None
    assert person.full_name != "Renamed A"
    assert AuditEvent.objects.count() == events
    assert DirectoryUser.objects.get(user=person).version == 1
    _error(
        scim(
            "PATCH",
            f"Users/{a['id']}",
            {"schemas": [PATCH], "Operations": [{"op": "add", "path": path, "value": a["id"]}]},
        ),
        400,
        "invalidValue",
    )


def test_uniqueness_of_user_names_emails_and_group_names(scim):
    scim.create_user("taken@acme-corp.com")
    _error(
        scim(
            "POST",
            "Users",
            {
                "schemas": [USER],
                "userName": "TAKEN@acme-corp.com",
                "emails": [{"value": "other@acme-corp.com"}],
            },
        ),
        409,
        "uniqueness",
    )
    other = scim.create_user("other2@acme-corp.com")
    body = {
        "schemas": [USER],
        "userName": "other2@acme-corp.com",
        "emails": [{"value": "taken@acme-corp.com"}],
    }
    _error(scim("PUT", f"Users/{other['id']}", body), 409, "uniqueness")
    assert scim("POST", "Groups", {"schemas": [GROUP], "displayName": "Ops"}).status_code == 201
    _error(scim("POST", "Groups", {"schemas": [GROUP], "displayName": "ops"}), 409, "uniqueness")
    assert User.objects.filter(email__endswith="@acme-corp.com").count() == 2
    assert DirectoryGroup.objects.count() == 1
    assert Team.objects.filter(name__iexact="ops").count() == 1


def test_a_group_member_that_is_not_ours_leaves_the_group_as_it_was(scim):
    user = scim.create_user("member@acme-corp.com")
    group = scim(
        "POST", "Groups", {"schemas": [GROUP], "displayName": "Ops", "members": [{"value": user["id"]}]}
    ).json()
    add = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "replace", "path": "displayName", "value": "Ops renamed"},
            {"op": "add", "path": "members", "value": [{"value": "1b9e8c1a-0000-4000-8000-000000000000"}]},
        ],
    }
    _error(scim("PATCH", f"Groups/{group['id']}", add), 400, "invalidValue")
    again = scim("GET", f"Groups/{group['id']}").json()
    assert again["displayName"] == "Ops"
    assert [m["value"] for m in again["members"]] == [user["id"]]


def test_if_match_with_an_old_version_is_412(scim):
    user = scim.create_user("etag@acme-corp.com")
    response = scim("GET", f"Users/{user['id']}")
    etag = response["ETag"]
    assert etag == user["meta"]["version"] == 'W/"1"'
    rename = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "One"}]}
    assert scim("PATCH", f"Users/{user['id']}", rename, **{"If-Match": etag}).status_code == 200

    stale = scim("PATCH", f"Users/{user['id']}", rename, **{"If-Match": etag})

    _error(stale, 412)
    assert scim("GET", f"Users/{user['id']}", **{"If-None-Match": 'W/"2"'}).status_code == 304


def test_unknown_resources_and_endpoints_are_404_and_methods_405(scim):
    _error(scim("GET", "Users/not-a-uuid"), 404)
    _error(scim("GET", "Users/1b9e8c1a-0000-4000-8000-000000000000"), 404)
    _error(scim("GET", "Nothing/here"), 404)
    _error(scim("DELETE", "ServiceProviderConfig"), 405)
    _error(scim("GET", ".search"), 405)


def test_every_request_is_logged_on_the_connection(scim, connection):
    scim("GET", "Users?filter=bad")
    scim.create_user("logged@acme-corp.com")
    rows = list(ScimRequest.objects.filter(connection=connection).order_by("at", "pk"))
    assert [(row.method, row.status, row.scim_type, row.changed) for row in rows] == [
        ("GET", 400, "invalidFilter", False),
        ("POST", 201, "", True),
    ]


def test_a_burst_of_several_hundred_people_all_land_and_a_bad_one_changes_nothing(scim):
    for number in range(300):
        scim.create_user(f"person{number:04}@acme-corp.com", externalId=f"ext-{number}")
    bad = scim(
        "POST",
        "Users",
        {
            "schemas": [USER],
            "userName": "person0001@acme-corp.com",
            "emails": [{"value": "new@acme-corp.com"}],
        },
    )

    _error(bad, 409, "uniqueness")
    assert DirectoryUser.objects.count() == 300
    assert User.objects.filter(email__startswith="person").count() == 300
    page = scim("GET", "Users?startIndex=101&count=100").json()
    assert page["totalResults"] == 300
    assert page["itemsPerPage"] == 100
    assert page["startIndex"] == 101
    assert page["Resources"][0]["userName"] == "person0100@acme-corp.com"
    assert (
        scim("GET", 'Users?filter=userName sw "person02" and externalId eq "ext-250"').json()["totalResults"]
        == 1
    )


def test_values_the_database_cannot_keep_are_refused_before_any_query(scim):
    nul = {
        "schemas": [USER],
        "userName": "nul\u0000@acme-corp.com",
        "emails": [{"value": "nul@acme-corp.com"}],
    }
    _error(scim("POST", "Users", nul), 400, "invalidValue")
    _error(scim("GET", 'Users?filter=userName eq "a%00b"'), 400, "invalidValue")
    long_email = f"{'a' * 250}@acme-corp.com"
    _error(
        scim("POST", "Users", {"schemas": [USER], "userName": "long", "emails": [{"value": long_email}]}),
        400,
        "invalidValue",
    )
    _error(scim("GET", 'Users?filter=meta.lastModified gt "2026-13-45T00:00:00Z"'), 400, "invalidFilter")
    far = scim("GET", f"Users?startIndex={10**30}")
    assert far.status_code == 200
    assert far.json()["Resources"] == []
    assert not User.objects.filter(email__startswith="nul").exists()
