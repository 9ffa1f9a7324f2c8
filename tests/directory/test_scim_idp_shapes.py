"""Request bodies shaped as Okta and Microsoft Entra ID send them (from their SCIM documentation), replayed
against the endpoint: create, deactivate through PATCH active, group membership add and remove, a manager
change."""

from dpms.models import AuditEvent, User
from tests.directory.conftest import ENTERPRISE, GROUP, PATCH, USER


def _person(email):
    return User.objects.select_related("manager", "team").get(email=email)


# --- Okta ---------------------------------------------------------------------------------------------------
def okta_user(login, given="Test", family="User", external_id="00ujl29u0le5T6Aj10h7"):
    return {
        "schemas": [USER],
        "userName": login,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": login, "type": "work"}],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "externalId": external_id,
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def test_okta_looks_up_then_creates_a_person_who_signs_in_by_sso(scim):
    lookup = scim("GET", 'Users?filter=userName eq "test.user@acme-corp.com"&startIndex=1&count=100')
    assert lookup.status_code == 200
    assert lookup.json()["totalResults"] == 0
    assert lookup["Content-Type"] == "application/scim+json"

    created = scim("POST", "Users", okta_user("test.user@acme-corp.com"))

    assert created.status_code == 201
    body = created.json()
    assert body["userName"] == "test.user@acme-corp.com"
    assert body["active"] is True
    assert "password" not in body
    assert created["Location"].endswith(f"/scim/v2/Users/{body['id']}")
    person = _person("test.user@acme-corp.com")
    assert person.full_name == "Test User"
    assert person.is_active
    assert not person.has_usable_password()  # no password is taken from the IdP
    found = scim("GET", 'Users?filter=userName eq "TEST.user@acme-corp.com"').json()
    assert [resource["id"] for resource in found["Resources"]] == [body["id"]]
    assert AuditEvent.objects.filter(source="scim", object_id=str(person.pk)).exists()


def test_okta_deactivates_with_a_pathless_replace_and_reactivates(scim):
    user = scim.create_user("leaver@acme-corp.com")
    deactivate = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]}

    response = scim("PATCH", f"Users/{user['id']}", deactivate)

    assert response.status_code == 200
    assert response.json()["active"] is False
    assert not _person("leaver@acme-corp.com").is_active
    assert AuditEvent.objects.filter(action="people.user.deactivate", source="scim").count() == 1
    reactivate = {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": True}}]}
    assert scim("PATCH", f"Users/{user['id']}", reactivate).json()["active"] is True
    assert _person("leaver@acme-corp.com").is_active


def test_okta_puts_a_changed_profile_with_a_manager(scim):
    boss = scim.create_user("boss@acme-corp.com", externalId="00uboss")
    user = scim("POST", "Users", okta_user("worker@acme-corp.com", external_id="00uworker")).json()
    body = okta_user("worker@acme-corp.com", given="Wanda", family="Worker", external_id="00uworker")
    body["schemas"].append(ENTERPRISE)
    body[ENTERPRISE] = {"manager": {"value": "00uboss"}, "department": "Engineering"}  # Okta's managerId
    body["title"] = "Engineer"

    response = scim("PUT", f"Users/{user['id']}", body)

    assert response.status_code == 200, response.content
    person = _person("worker@acme-corp.com")
    assert person.full_name == "Wanda Worker"
    assert person.job_title == "Engineer"
    assert person.manager.email == "boss@acme-corp.com"
    assert person.team.name == "Engineering"
    assert response.json()[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert AuditEvent.objects.filter(
        action="people.user.move", source="scim", object_id=str(person.pk)
    ).exists()


def test_okta_pushes_a_group_and_its_members(scim):
    alice = scim.create_user("alice@acme-corp.com")
    bob = scim.create_user("bob@acme-corp.com")
    group = scim("POST", "Groups", {"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []}).json()
    add = {
        "schemas": [PATCH],
        "Operations": [
            {
                "op": "add",
                "path": "members",
                "value": [
                    {"value": alice["id"], "display": "alice@acme-corp.com"},
                    {"value": bob["id"], "display": "bob@acme-corp.com"},
                ],
            }
        ],
    }

    assert scim("PATCH", f"Groups/{group['id']}", add).status_code == 200
    assert {_person("alice@acme-corp.com").team.name, _person("bob@acme-corp.com").team.name} == {
        "Test SCIMv2"
    }

    remove = {
        "schemas": [PATCH],
        "Operations": [{"op": "remove", "path": f'members[value eq "{alice["id"]}"]'}],
    }
    response = scim("PATCH", f"Groups/{group['id']}", remove)

    assert [member["value"] for member in response.json()["members"]] == [bob["id"]]
    assert _person("alice@acme-corp.com").team is None
    rename = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "value": {"id": group["id"], "displayName": "Renamed SCIMv2"}}],
    }
    assert scim("PATCH", f"Groups/{group['id']}", rename).json()["displayName"] == "Renamed SCIMv2"
    assert _person("bob@acme-corp.com").team.name == "Renamed SCIMv2"


# --- Microsoft Entra ID ----------------------------------------------------------------------------------
def entra_user(user_name, email, external_id="0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"):
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": external_id,
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": email}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
    }


def test_entra_creates_finds_by_work_email_and_updates_with_path_values(scim):
    created = scim("POST", "Users", entra_user("Test_User_ab64@contoso.com", "test.user@contoso.com"))
    assert created.status_code == 201, created.content
    user = created.json()

    found = scim("GET", 'Users?filter=emails[type eq "work" and value eq "TEST.user@contoso.com"]').json()
    assert [resource["id"] for resource in found["Resources"]] == [user["id"]]
    by_external = scim("GET", 'Users?filter=externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"').json()
    assert by_external["totalResults"] == 1
    update = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updated@contoso.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            {"op": "Replace", "value": {"displayName": "Updated Person", "name.givenName": "Updated"}},
        ],
    }

    response = scim("PATCH", f"Users/{user['id']}", update)

    assert response.status_code == 200, response.content
    assert response.json()["name"]["familyName"] == "updatedFamilyName"
    person = User.objects.get(directory_entry__scim_id=user["id"])
    assert person.email == "updated@contoso.com"
    assert person.full_name == "Updated Person"


def test_entra_disables_with_the_string_false(scim):
    user = scim("POST", "Users", entra_user("disable.me@contoso.com", "disable.me@contoso.com")).json()
    disable = {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}

    response = scim("PATCH", f"Users/{user['id']}", disable)

    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert not User.objects.get(email="disable.me@contoso.com").is_active
    still_listed = scim("GET", 'Users?filter=userName eq "disable.me@contoso.com"').json()
    assert still_listed["Resources"][0]["active"] is False


def test_entra_sets_and_changes_the_manager_by_bare_id(scim):
    first = scim("POST", "Users", entra_user("first.boss@contoso.com", "first.boss@contoso.com", "e1")).json()
    second = scim(
        "POST", "Users", entra_user("second.boss@contoso.com", "second.boss@contoso.com", "e2")
    ).json()
    worker = scim("POST", "Users", entra_user("worker@contoso.com", "worker@contoso.com", "e3")).json()
    path = f"{ENTERPRISE}:manager"

    for boss in (first, second):
        op = {"schemas": [PATCH], "Operations": [{"op": "Add", "path": path, "value": boss["id"]}]}
        response = scim("PATCH", f"Users/{worker['id']}", op)
        assert response.status_code == 200, response.content
        assert response.json()[ENTERPRISE]["manager"]["value"] == boss["id"]

    assert User.objects.get(email="worker@contoso.com").manager.email == "second.boss@contoso.com"
    moves = AuditEvent.objects.filter(action="people.user.move", source="scim")
    assert moves.count() == 2


def test_entra_group_membership_add_and_remove_with_values(scim):
    user = scim("POST", "Users", entra_user("member@contoso.com", "member@contoso.com")).json()
    group = scim(
        "POST",
        "Groups",
        {
            "schemas": [GROUP],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Finance EU",
            "meta": {"resourceType": "Group"},
        },
    ).json()
    found = scim("GET", 'Groups?excludedAttributes=members&filter=displayName eq "Finance EU"').json()
    assert [resource["id"] for resource in found["Resources"]] == [group["id"]]
    member = [{"$ref": None, "value": user["id"]}]

    add = {"schemas": [PATCH], "Operations": [{"op": "Add", "path": "members", "value": member}]}
    assert scim("PATCH", f"Groups/{group['id']}", add).status_code == 200
    check = scim(
        "GET", f'Groups?filter=id eq "{group["id"]}" and members.value eq "{user["id"]}"&attributes=id'
    )
    assert check.json()["totalResults"] == 1
    assert User.objects.get(email="member@contoso.com").team.name == "Finance EU"

    remove = {"schemas": [PATCH], "Operations": [{"op": "Remove", "path": "members", "value": member}]}
    response = scim("PATCH", f"Groups/{group['id']}", remove)

    assert response.status_code == 200, response.content
    assert "members" not in response.json()
    assert scim("GET", f'Groups?filter=members eq "{user["id"]}"').json()["totalResults"] == 0
