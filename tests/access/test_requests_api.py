"""Access requests through the API: asked (with an idempotency key), approved, rejected and withdrawn by the
same services and approval rules as the pages; your requests and those awaiting your approval listed and
filtered like the pages; 404 where the page hides a request, 403 where it refuses the action."""

import pytest
from django.urls import reverse

from access.choices import RequestStatus
from access.models import AccessRequest, Grant, Role, System
from access.services.requests import request_create
from dpms.models import AuditEvent, AuditSource, User
from tests.access.factories import AccessRequestFactory, GrantFactory, RoleFactory, SystemFactory
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUESTS = reverse("api:access-request-list")
AWAITING = reverse("api:access-request-awaiting")


def as_(user, *, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


def url(name, request):
    return reverse(f"api:access-request-{name}", args=[request.pk])


@pytest.fixture
def role():
    return RoleFactory(system=SystemFactory(name="Payroll"), name="Reader")


@pytest.fixture
def pending(staff, role):
    return request_create(actor=staff, requested_for=staff, role=role, justification="Month-end close")


def test_asking_creates_a_request_audited_as_api(staff, manager, role):
    token, text = token_for(staff, read_only=False, name="self service")
    response = api_client(text).post(
        REQUESTS, {"role": role.pk, "justification": "Month-end close"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["requested_for"], body["status"], body["role_name"]) == (staff.pk, "pending", "Reader")
    assert [step["name"] for step in body["steps"]] == ["manager"]
    assert body["steps"][0]["approvers"] == [manager.pk]
    assert body["can_withdraw"] is True
    event = AuditEvent.objects.get(action="access.request.create")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} self service")


def test_a_retried_ask_with_its_idempotency_key_asks_once(staff, role):
    client = as_(staff)
    body = {"role": role.pk, "justification": "Month-end close"}
    first = client.post(REQUESTS, body, format="json", HTTP_IDEMPOTENCY_KEY="ask-1")
    again = client.post(REQUESTS, body, format="json", HTTP_IDEMPOTENCY_KEY="ask-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert AccessRequest.objects.count() == 1
    other = client.post(REQUESTS, {**body, "justification": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="ask-1")
    assert other.status_code == 422


def test_asking_is_checked_by_the_pages_form_and_the_service(staff, outsider, role):
    client = as_(staff)
    response = client.post(REQUESTS, {"role": 999999, "justification": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"role", "justification"}
    for_someone_else = client.post(
        REQUESTS, {"role": role.pk, "justification": "x", "requested_for": outsider.pk}, format="json"
    )
    assert for_someone_else.status_code == 400
    assert "requested_for" in for_someone_else.json()["errors"]
    past = client.post(
        REQUESTS, {"role": role.pk, "justification": "x", "end_date": "2001-01-01"}, format="json"
    )
    assert past.json()["errors"] == {"end_date": ["The end date must be in the future."]}
    GrantFactory(user=staff, role=role)
    held = client.post(REQUESTS, {"role": role.pk, "justification": "x"}, format="json")
    assert held.json()["errors"] == {"non_field_errors": [f"{staff} already holds {role}."]}
    portal_role = RoleFactory(system=SystemFactory(name="Portal", is_portal=True), name="auditor")
    assert (
        "role"
        in client.post(REQUESTS, {"role": portal_role.pk, "justification": "x"}, format="json").json()[
            "errors"
        ]
    )
    assert not AccessRequest.objects.exists()


def test_a_manager_asks_for_a_report(manager, staff, role):
    response = as_(manager).post(
        REQUESTS,
        {"role": role.pk, "justification": "Covers payroll", "requested_for": staff.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["requested_for"] == staff.pk


def test_the_manager_approves_and_the_grant_is_given(manager, staff, pending, role):
    assert {row["id"] for row in as_(manager).get(AWAITING).json()["results"]} == {pending.pk}
    response = as_(manager).post(url("approve", pending), {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert Grant.objects.filter(user=staff, role=role, revoked_at__isnull=True).exists()
    assert as_(manager).get(AWAITING).json()["results"] == []
    again = as_(manager).post(url("approve", pending), {}, format="json")
    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"] == ["This request is already approved."]


def test_approving_past_the_privileged_limit_needs_the_confirmation(manager, staff):
    system = SystemFactory(name="Ledger", max_privileged=0)
    admin = RoleFactory(system=system, name="Admin", privileged=True)
    request = request_create(actor=staff, requested_for=staff, role=admin, justification="Close the books")
    client = as_(manager)
    assert client.get(url("detail", request)).json()["over_limit"] is True
    refused = client.post(url("approve", request), {}, format="json")
    assert refused.status_code == 400
    assert "confirm_over_limit" in refused.json()["errors"]
    assert (
        client.post(url("approve", request), {"confirm_over_limit": True}, format="json").status_code == 200
    )


def test_rejecting_needs_a_reason(manager, pending):
    client = as_(manager)
    assert client.post(url("reject", pending), {"reason": ""}, format="json").json()["errors"]["reason"]
    response = client.post(url("reject", pending), {"reason": "Not in your role."}, format="json")
    assert response.status_code == 200
    assert response.json()["rejection_reason"] == "Not in your role."


def test_the_requester_withdraws(staff, pending):
    response = as_(staff).post(url("withdraw", pending), format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert as_(staff).post(url("withdraw", pending), format="json").status_code == 400


# persona: (detail, approve, reject, withdraw) on staff's pending request for themselves
WHO_MAY = {
    "staff": (200, 403, 403, 200),
    "manager": (200, 200, 200, 403),
    "security_officer": (200, 403, 403, 403),
    "auditor": (200, 403, 403, 403),
    "admin": (404, 404, 404, 404),
    "outsider": (404, 404, 404, 404),
}


@pytest.mark.parametrize("persona", sorted(WHO_MAY))
@pytest.mark.parametrize("position", [1, 2, 3])
def test_who_may_act_on_a_request_as_the_page_decides(personas, pending, persona, position):
    name = ("detail", "approve", "reject", "withdraw")[position]
    client = as_(personas[persona])
    assert client.get(url("detail", pending)).status_code == WHO_MAY[persona][0]
    response = client.post(url(name, pending), {"reason": "No."}, format="json")
    assert response.status_code == WHO_MAY[persona][position], response.content
    if response.status_code != 200:
        assert AccessRequest.objects.get(pk=pending.pk).status == RequestStatus.PENDING


def test_lists_are_mine_and_filtered_like_the_pages(staff, manager, outsider, pending, role):
    other = RoleFactory(system=SystemFactory(name="Ledger"), name="Reader")
    rejected = AccessRequestFactory(requested_by=staff, requested_for=staff, role=other, status="rejected")
    AccessRequestFactory(requested_by=outsider, requested_for=outsider, role=role)
    client = as_(staff, read_only=True)
    ids = lambda params: {row["id"] for row in client.get(REQUESTS, params).json()["results"]}  # noqa: E731
    assert ids({}) == {pending.pk, rejected.pk}
    assert ids({"status": "rejected"}) == {rejected.pk}
    assert ids({"system": other.system_id}) == {rejected.pk}
    assert ids({"q": "payroll"}) == {pending.pk}
    assert client.get(REQUESTS, {"status": "nonsense"}).status_code == 400
    assert as_(outsider).get(AWAITING).json()["results"] == []


@pytest.mark.parametrize("rows", [10, 1000])
def test_request_lists_run_a_fixed_number_of_queries(manager, rows, django_assert_num_queries):
    reports = User.objects.bulk_create(UserFactory.build_batch(rows, manager=manager))
    system = System.objects.create(name="Payroll")
    roles = Role.objects.bulk_create([Role(system=system, name=f"Role {n}") for n in range(rows)])
    AccessRequest.objects.bulk_create(
        [
            AccessRequest(requested_by=person, requested_for=person, role=role, justification="x")
            for person, role in zip(reports, roles, strict=True)
        ]
        + [
            AccessRequest(requested_by=manager, requested_for=reports[0], role=role, justification="x")
            for role in roles
        ]
    )
    client = as_(manager, read_only=True)
    client.get(REQUESTS)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), a page of my requests with everyone the page names joined (1)
    with django_assert_num_queries(2):
        assert len(client.get(REQUESTS + "?page_size=200").json()["results"]) == min(rows, 200)
    # token with its owner (1), the caller's portal roles (1), the candidates (1), the security officers
    # (1: the approval rule), a page of those the rule leaves (1)
    with django_assert_num_queries(5):
        assert len(client.get(AWAITING + "?page_size=200").json()["results"]) == min(rows, 200)
