"""The register through the API: systems and roles for everyone, grants as the grants list shows them, given
and revoked by the same services and access helpers as the pages (404 where the page hides, 403 where it
refuses), every write audited as api."""

import pytest
from django.urls import reverse

from access.models import Grant, Role, System
from dpms.models import AuditEvent, AuditSource, User
from tests.access.factories import GrantFactory, RoleFactory, SystemFactory
from tests.access.register_support import register_fixture  # noqa: F401 - the ``register`` fixture
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SYSTEMS = reverse("api:access-system-list")
ROLES = reverse("api:access-role-list")
GRANTS = reverse("api:access-grant-list")


def as_(user, *, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


def listed(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def grant_url(register, kind="grant"):
    return reverse("api:access-system-grant", args=[register.crm.pk])


def revoke_url(grant):
    return reverse("api:access-grant-revoke", args=[grant.pk])


# --- Reading ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff", "manager", "security_officer", "auditor", "admin", "outsider"])
def test_the_catalogue_is_everyones(personas, register, persona):
    client = as_(personas[persona], read_only=True)
    assert client.get(reverse("api:access-system-detail", args=[register.crm.pk])).status_code == 200
    assert client.get(reverse("api:access-role-detail", args=[register.crm_admin.pk])).status_code == 200
    assert client.get(reverse("api:access-system-detail", args=[999999])).status_code == 404
    assert client.get(reverse("api:access-role-detail", args=[2**64])).status_code == 404


def test_everyone_reads_the_catalogue_with_its_counts(outsider, register):
    client = as_(outsider, read_only=True)
    systems = {row["name"]: row for row in client.get(SYSTEMS).json()["results"]}
    assert systems["CRM"]["holder_count"] == 2
    assert systems["CRM"]["privileged_count"] == 1
    detail = client.get(reverse("api:access-system-detail", args=[register.crm.pk])).json()
    assert [role["name"] for role in detail["roles"]] == ["CRM admin", "Sales user"]
    roles = client.get(ROLES, {"system": register.crm.pk}).json()["results"]
    assert {role["name"]: role["holder_count"] for role in roles} == {"CRM admin": 1, "Sales user": 1}


def test_systems_are_filtered_like_the_page(staff, register):
    client = as_(staff, read_only=True)
    assert listed(client.get(SYSTEMS, {"environment": "staging"})) == {register.erp.pk}
    assert listed(client.get(SYSTEMS, {"q": "crm"})) == {register.crm.pk}
    assert listed(client.get(SYSTEMS, {"owner": register.owner.pk})) == {register.crm.pk}
    assert client.get(SYSTEMS, {"owner": 999999}).status_code == 400  # the form's choice, not a 500


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("staff", {"staff_crm"}),
        ("manager", {"staff_crm", "report_crm_admin", "manager_erp"}),
        ("owner", {"staff_crm", "report_crm_admin"}),
        ("outsider", {"outsider_erp"}),
        ("admin", set()),
        ("security_officer", {"staff_crm", "report_crm_admin", "outsider_erp", "manager_erp"}),
        ("auditor", {"staff_crm", "report_crm_admin", "outsider_erp", "manager_erp"}),
    ],
)
def test_grants_are_those_the_grants_list_shows(personas, register, persona, sees):
    user = register.owner if persona == "owner" else personas[persona]
    expected = {getattr(register, name).pk for name in sees}
    assert listed(as_(user, read_only=True).get(GRANTS + "?page_size=200")) == expected
    for name in ("staff_crm", "report_crm_admin", "outsider_erp", "manager_erp"):
        grant = getattr(register, name)
        status = as_(user, read_only=True).get(reverse("api:access-grant-detail", args=[grant.pk]))
        assert status.status_code == (200 if grant.pk in expected else 404), (persona, name)


def test_grants_are_filtered_like_the_page(security_officer, register, staff):
    client = as_(security_officer, read_only=True)
    assert listed(client.get(GRANTS, {"system": "CRM"})) == {
        register.staff_crm.pk,
        register.report_crm_admin.pk,
    }
    assert listed(client.get(GRANTS, {"privileged": "yes"})) == {register.report_crm_admin.pk}
    assert listed(client.get(GRANTS, {"person": "sam.staff"})) == {register.staff_crm.pk}
    assert listed(client.get(GRANTS, {"status": "revoked"})) == set()
    bad = client.get(GRANTS, {"system": "no such system"})
    assert bad.status_code == 400
    assert bad.json()["errors"]["system"] == ["Nothing matches this; check the spelling."]
    assert client.get(GRANTS, {"team": "abc"}).status_code == 400


# --- Giving a role ----------------------------------------------------------------------------------------


def test_the_owner_gives_a_role_audited_as_api(register, second_report):
    token, text = token_for(register.owner, read_only=False, name="provisioning")
    response = api_client(text).post(
        grant_url(register),
        {"person": second_report.email, "role": register.crm_user.pk, "justification": "Covers sales."},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person_email"], body["role_name"], body["source"]) == (
        second_report.email,
        "Sales user",
        "manual",
    )
    event = AuditEvent.objects.get(action="access.grant.create", object_id=str(body["id"]))
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} provisioning")


def test_giving_a_role_is_refused_as_the_page_refuses(register, staff, outsider, security_officer):
    body = {"person": staff.email, "role": register.crm_admin.pk, "justification": "Needs it."}
    assert as_(staff).post(grant_url(register), body, format="json").status_code == 403
    assert as_(outsider).post(grant_url(register), body, format="json").status_code == 403
    missing = reverse("api:access-system-grant", args=[999999])
    assert as_(security_officer).post(missing, body, format="json").status_code == 404
    assert (
        as_(register.owner, read_only=True).post(grant_url(register), body, format="json").status_code == 403
    )
    assert not Grant.objects.filter(user=staff, role=register.crm_admin).exists()


def test_bad_input_is_a_400_with_the_field_errors_and_nothing_saved(register, staff):
    client = as_(register.owner)
    response = client.post(
        grant_url(register),
        {"person": "nobody@example.com", "role": register.erp_user.pk, "justification": "  "},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["person"] == ["No one in the portal has this email."]
    assert "role" in errors  # a role of another system is not offered
    assert "justification" in errors
    assert client.post(grant_url(register), ["not", "a", "dict"], format="json").status_code == 400
    past = {
        "person": staff.email,
        "role": register.crm_admin.pk,
        "justification": "x",
        "expires_at": "2001-01-01",
    }
    assert client.post(grant_url(register), past, format="json").json()["errors"]["expires_at"]
    assert Grant.objects.count() == 4


def test_a_service_refusal_is_a_400(register, staff):
    response = as_(register.owner).post(
        grant_url(register),
        {"person": staff.email, "role": register.crm_user.pk, "justification": "Again."},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [f"{staff} already holds {register.crm_user}."]


def test_a_retried_give_with_its_idempotency_key_gives_once(register, second_report):
    client = as_(register.owner)
    body = {"person": second_report.email, "role": register.crm_user.pk, "justification": "Covers sales."}
    first = client.post(grant_url(register), body, format="json", HTTP_IDEMPOTENCY_KEY="give-1")
    again = client.post(grant_url(register), body, format="json", HTTP_IDEMPOTENCY_KEY="give-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Grant.objects.filter(user=second_report, role=register.crm_user).count() == 1


# --- Revoking ---------------------------------------------------------------------------------------------


def test_the_owner_revokes_with_a_reason(register):
    response = as_(register.owner).post(
        revoke_url(register.staff_crm), {"reason": "Left sales."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["revoke_reason"] == "Left sales."
    assert response.json()["revoked_by_email"] == register.owner.email
    event = AuditEvent.objects.get(action="access.grant.revoke")
    assert event.source == AuditSource.API
    # Revoking again answers the grant as it is.
    again = as_(register.owner).post(revoke_url(register.staff_crm), {"reason": "x"}, format="json")
    assert again.status_code == 200
    assert AuditEvent.objects.filter(action="access.grant.revoke").count() == 1


def test_revoking_needs_a_reason(register):
    response = as_(register.owner).post(revoke_url(register.staff_crm), {"reason": " "}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["reason"] == ["Say why the access is revoked."]
    assert Grant.objects.get(pk=register.staff_crm.pk).revoked_at is None


def test_revoke_honours_if_match(register):
    client = as_(register.owner)
    etag = client.get(reverse("api:access-grant-detail", args=[register.staff_crm.pk]))["ETag"]
    stale = '"' + "0" * 32 + '"'
    assert (
        client.post(
            revoke_url(register.staff_crm), {"reason": "x"}, format="json", HTTP_IF_MATCH=stale
        ).status_code
        == 412
    )
    ok = client.post(revoke_url(register.staff_crm), {"reason": "x"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("persona", "statuses"),
    [
        # staff_crm, report_crm_admin, outsider_erp, manager_erp
        ("staff", (403, 404, 404, 404)),
        ("manager", (403, 403, 404, 403)),
        ("outsider", (404, 404, 403, 404)),
        ("auditor", (403, 403, 403, 403)),
        ("admin", (404, 404, 404, 404)),
    ],
)
def test_who_may_not_revoke_gets_404_or_403_like_the_page(personas, register, persona, statuses):
    client = as_(personas[persona])
    grants = (register.staff_crm, register.report_crm_admin, register.outsider_erp, register.manager_erp)
    got = tuple(client.post(revoke_url(g), {"reason": "x"}, format="json").status_code for g in grants)
    assert got == statuses
    assert not Grant.objects.filter(revoked_at__isnull=False).exists()
    assert client.get(reverse("api:access-grant-detail", args=[2**63])).status_code == 404


def test_a_read_only_token_may_not_give_or_revoke(register, staff):
    client = as_(register.owner, read_only=True)
    assert client.post(revoke_url(register.staff_crm), {"reason": "x"}, format="json").status_code == 403


# --- Cost -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 1000])
def test_register_lists_run_a_fixed_number_of_queries(security_officer, rows, django_assert_num_queries):
    people = User.objects.bulk_create(UserFactory.build_batch(rows))
    systems = System.objects.bulk_create(SystemFactory.build_batch(rows, owner=people[0]))
    roles = Role.objects.bulk_create([RoleFactory.build(system=system) for system in systems])
    Grant.objects.bulk_create(
        [
            GrantFactory.build(user=person, role=role, granted_by=people[0])
            for person, role in zip(people, roles, strict=True)
        ]
    )
    client = as_(security_officer, read_only=True)
    client.get(SYSTEMS)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), a page of systems with their counts in subqueries and owner joined (1)
    with django_assert_num_queries(2):
        assert len(client.get(SYSTEMS + "?page_size=200").json()["results"]) == min(rows, 200)
    # token with its owner (1), a page of roles with their systems and holder counts (1)
    with django_assert_num_queries(2):
        assert len(client.get(ROLES + "?page_size=200").json()["results"]) == min(rows, 200)
    # token with its owner (1), the caller's portal roles (1: who sees which grants), a page of grants with
    # person, team, role, system and granters joined (1)
    with django_assert_num_queries(3):
        assert len(client.get(GRANTS + "?page_size=200").json()["results"]) == min(rows, 200)


def test_the_schema_describes_every_access_endpoint_without_a_warning(tmp_path):
    import json

    from django.core.management import call_command

    out = tmp_path / "schema.json"
    call_command(
        "spectacular", "--format", "openapi-json", "--file", str(out), "--fail-on-warn", "--validate"
    )
    paths = set(json.loads(out.read_text())["paths"])
    assert {
        "/api/v1/access/systems/",
        "/api/v1/access/systems/{id}/",
        "/api/v1/access/systems/{id}/grant/",
        "/api/v1/access/roles/",
        "/api/v1/access/roles/{id}/",
        "/api/v1/access/grants/",
        "/api/v1/access/grants/{id}/",
        "/api/v1/access/grants/{id}/revoke/",
        "/api/v1/access/requests/",
        "/api/v1/access/requests/awaiting/",
        "/api/v1/access/requests/{id}/",
        "/api/v1/access/requests/{id}/approve/",
        "/api/v1/access/requests/{id}/reject/",
        "/api/v1/access/requests/{id}/withdraw/",
        "/api/v1/access/review-items/",
        "/api/v1/access/review-items/{id}/",
        "/api/v1/access/review-items/{id}/decide/",
        "/api/v1/access/review-items/{id}/reassign/",
        "/api/v1/access/review-items/bulk-keep/",
        "/api/v1/access/campaigns/",
        "/api/v1/access/campaigns/{id}/",
        "/api/v1/access/campaigns/{id}/progress/",
        "/api/v1/access/campaigns/{id}/close/",
        "/api/v1/access/campaigns/{id}/confirm-close/",
        "/api/v1/access/campaigns/{id}/evidence/",
        "/api/v1/access/campaigns/{id}/evidence-manifest/",
        "/api/v1/access/revocation-tasks/",
        "/api/v1/access/revocation-tasks/{id}/",
        "/api/v1/access/revocation-tasks/{id}/complete/",
        "/api/v1/access/imports/",
        "/api/v1/access/imports/{id}/",
        "/api/v1/access/imports/{id}/confirm/",
        "/api/v1/access/imports/{id}/discard/",
        "/api/v1/access/import-batches/",
        "/api/v1/access/import-batches/{id}/",
        "/api/v1/access/review-policies/",
        "/api/v1/access/review-policies/{id}/",
        "/api/v1/access/review-policies/{id}/enable/",
        "/api/v1/access/review-policies/{id}/disable/",
    } <= paths


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("staff", {"staff_crm"}),
        ("manager", {"staff_crm"}),
        ("owner", {"staff_crm"}),
        ("security_officer", {"staff_crm"}),
        ("auditor", {"staff_crm"}),
        ("outsider", None),
        ("admin", None),
    ],
)
def test_a_persons_access_is_what_their_access_page_shows(personas, register, staff, persona, sees):
    user = register.owner if persona == "owner" else personas[persona]
    response = as_(user, read_only=True).get(GRANTS, {"user": staff.pk, "status": "all"})
    if sees is None:
        assert response.status_code == 404
    else:
        assert listed(response) == {getattr(register, name).pk for name in sees}
    assert as_(user, read_only=True).get(GRANTS, {"user": "x"}).status_code == 400


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 403),
        ("manager", 403),
        ("auditor", 403),
        ("admin", 403),
        ("outsider", 403),
        ("owner", 201),
        ("security_officer", 201),
    ],
)
def test_who_gives_a_role_as_the_system_page_decides(personas, register, second_report, persona, status):
    user = register.owner if persona == "owner" else personas[persona]
    body = {"person": second_report.email, "role": register.crm_user.pk, "justification": "Covers sales."}
    assert as_(user).post(grant_url(register), body, format="json").status_code == status
    held = Grant.objects.filter(user=second_report, role=register.crm_user, revoked_at__isnull=True).exists()
    assert held == (status == 201)
