"""Every write of the access API given bodies of the wrong shape, and fields of the wrong type, answers with
a 400 (or the refusal the page gives), never a 500."""

import pytest
from django.urls import reverse

from access.models import (
    AccessRequest,
    Grant,
    ImportJob,
    ReviewCampaign,
    ReviewItem,
    ReviewPolicy,
    RevocationTask,
)
from access.services.requests import request_create
from tests.access.closing_support import campaign_with_items
from tests.access.factories import ReviewPolicyFactory, RevocationTaskFactory, RoleFactory, SystemFactory
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db

ODD_VALUES = [None, [], {}, ["x"], {"a": 1}, 2**70, -1, 1.5, True, "", " ", "x" * 5000, "\x00", "2026-13-45"]
ODD_BODIES = [[], "text", 1]


@pytest.fixture
def world(staff, manager, security_officer):
    system = SystemFactory(name="Ledger", owner=security_officer)
    role = RoleFactory(system=system, name="Reader")
    request = request_create(actor=staff, requested_for=staff, role=role, justification="x")
    campaign = campaign_with_items(2, reviewer=security_officer)
    item = campaign.items.first()
    task = RevocationTaskFactory(grant__role__system=system, assignee=security_officer)
    policy = ReviewPolicyFactory(enabled=False, default_decision="revoke")
    return {
        "api:access-system-grant": ([system.pk], ("person", "role", "justification", "expires_at")),
        "api:access-grant-revoke": ([task.grant_id], ("reason",)),
        "api:access-request-list": ([], ("role", "justification", "end_date", "requested_for")),
        "api:access-request-approve": ([request.pk], ("confirm_over_limit",)),
        "api:access-request-reject": ([request.pk], ("reason",)),
        "api:access-review-item-decide": (
            [item.pk],
            ("decision", "justification", "downgrade_to", "keep_until"),
        ),
        "api:access-review-item-bulk-keep": ([], ("items", "justification")),
        "api:access-review-item-reassign": ([item.pk], ("new_reviewer", "reason")),
        "api:access-campaign-list": ([], ("policy",)),
        "api:access-campaign-closing-close": ([campaign.pk], ("sure",)),
        "api:access-revocation-task-complete": ([task.pk], ("note",)),
        "api:access-import-list": ([], ("content", "filename", "full")),
        "api:access-policy-list": (
            [],
            (
                "name",
                "systems",
                "environments",
                "reviewer_rule",
                "named_reviewer",
                "fallback_reviewer",
                "start_date",
                "duration_days",
                "reminder_days_before_due",
                "auto_revoke_confirm_share",
            ),
        ),
        "api:access-policy-enable": ([policy.pk], ("confirm", "confirmed_count")),
    }


def counts():
    return [model.objects.count() for model in (Grant, AccessRequest, ReviewCampaign, ImportJob)] + [
        ReviewItem.objects.exclude(decision="pending").count(),
        RevocationTask.objects.filter(status="done").count(),
        Grant.objects.filter(revoked_at__isnull=False).count(),
    ]


def test_odd_bodies_are_refused_without_a_500(world, security_officer, manager):
    ReviewPolicyFactory()
    before = counts()
    for name, (args, fields) in world.items():
        client = api_client(
            token_for(
                manager if "approve" in name or "reject" in name else security_officer, read_only=False
            )[1]
        )
        path = reverse(name, args=args)
        for body in ODD_BODIES:
            response = client.post(path, body, format="json")
            assert response.status_code in (400, 403), (name, body, response.status_code)
        for field in fields:
            for value in ODD_VALUES:
                response = client.post(path, {field: value}, format="json")
                assert response.status_code < 500, (name, field, value)
    assert counts()[2] == before[2]  # no campaign launched from an odd policy
    assert not ReviewPolicy.objects.filter(enabled=True, default_decision="revoke").exists()


LISTS = {
    "api:access-system-list": ("q", "environment", "classification", "owner", "findings"),
    "api:access-role-list": ("system", "privileged", "name__icontains"),
    "api:access-grant-list": (
        "person",
        "system",
        "role",
        "privileged",
        "environment",
        "team",
        "expiring",
        "status",
    ),
    "api:access-request-list": ("q", "system", "status"),
    "api:access-request-awaiting": ("q", "system"),
    "api:access-review-item-list": ("campaign", "system", "privileged", "state"),
    "api:access-campaign-list": ("q", "status", "policy"),
    "api:access-revocation-task-list": ("q", "status", "system", "overdue"),
    "api:access-import-list": (),
    "api:access-import-batch-list": ("system", "uploaded_by", "full"),
    "api:access-policy-list": ("q", "enabled"),
}
ODD_PARAMS = ["", "x", "-1", str(2**70), "1.5", "\x00", "true", "null", "%", "'"]


def test_odd_filters_are_refused_without_a_500(security_officer):
    client = api_client(token_for(security_officer)[1])
    for name, params in LISTS.items():
        for param in (*params, "cursor", "page_size"):
            for value in ODD_PARAMS:
                response = client.get(reverse(name), {param: value})
                assert response.status_code in (200, 400, 404), (name, param, value, response.status_code)


def test_a_value_of_the_wrong_type_is_named_with_the_forms_other_errors(manager):
    campaign = campaign_with_items(1, reviewer=manager)
    item = campaign.items.get()
    client = api_client(token_for(manager, read_only=False)[1])
    path = reverse("api:access-review-item-decide", args=[item.pk])
    response = client.post(path, {"decision": 1, "downgrade_to": "3", "keep_until": "soon"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "decision": ["Send text."],
        "downgrade_to": ["Send a whole number."],
        "keep_until": ["Enter a valid date."],
    }


def test_a_multipart_yes_no_is_true_or_false(security_officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_client(token_for(security_officer, read_only=False)[1])
    upload = SimpleUploadedFile("g.csv", b"email,system,role\n", content_type="text/csv")
    response = client.post(reverse("api:access-import-list"), {"file": upload, "full": "{}"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"full": ["Send true or false."]}
    assert not ImportJob.objects.exists()


def test_an_empty_id_filter_is_a_400_not_everything(security_officer):
    client = api_client(token_for(security_officer)[1])
    for name, param in [
        ("api:access-system-list", "owner"),
        ("api:access-role-list", "system"),
        ("api:access-grant-list", "role"),
        ("api:access-revocation-task-list", "system"),
    ]:
        response = client.get(reverse(name), {param: ""})
        assert response.status_code == 400, name
        assert set(response.json()["errors"]) == {param}  # the foundation's StrictFilterBackend
