"""The escalation policies through the API: read by security officers and auditors, edited by security
officers through the policy page's formset and service (audited as api), with If-Match."""

import pytest
from django.urls import reverse

from dpms.models import AuditEvent
from incidents.models import EscalationLevel
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db

POLICIES = reverse("api:escalation-policy-list")


def policy_url(severity):
    return reverse("api:escalation-policy-detail", args=[severity])


LEVELS = [
    {"trigger": "unacknowledged", "after_minutes": 15, "target": "handler"},
    {"trigger": "unacknowledged", "after_minutes": 60, "target": "security_officers", "repeat_count": 2,
     "repeat_every_minutes": 30},
]  # fmt: skip


def test_officers_and_auditors_read_the_five_policies(security_officer, auditor, staff, admin_user):
    body = api_client(token_for(auditor)[1]).get(POLICIES).json()
    assert [policy["label"] for policy in body] == ["Untriaged reports", "SEV1", "SEV2", "SEV3", "SEV4"]
    assert all(policy["is_default"] and policy["levels"] for policy in body)
    for person in (staff, admin_user):
        assert api_client(token_for(person)[1]).get(POLICIES).status_code == 403
        assert api_client(token_for(person)[1]).get(policy_url(1)).status_code == 403
    assert api_client(token_for(security_officer)[1]).get(policy_url(7)).status_code == 404


def test_an_officer_replaces_the_levels_audited_as_api(security_officer):
    token, text = token_for(security_officer, read_only=False, name="policy sync")
    api = api_client(text)
    before = api.get(policy_url(2))
    etag, defaults = before["ETag"], before.json()["levels"]
    response = api.put(policy_url(2), {"levels": LEVELS}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["is_default"] is False
    assert [(level["after_minutes"], level["repeat_count"]) for level in body["levels"]] == [(15, 0), (60, 2)]
    event = AuditEvent.objects.get(action="escalation_policy.updated")
    assert (event.source, f"API token #{token.pk} policy sync" in event.actor_label) == ("api", True)
    # The ETag read before the change is stale now.
    assert api.put(policy_url(2), {"levels": LEVELS}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    response = api.post(reverse("api:escalation-policy-reset", args=[2]))
    assert response.status_code == 200
    assert response.json()["levels"] == defaults


def test_the_forms_rules_are_field_errors_and_nothing_changes(security_officer, auditor):
    api = api_client(token_for(security_officer, read_only=False)[1])
    levels = [
        {"trigger": "uncontained", "after_minutes": 10, "target": "person", "person": "ghost@example.com"}
    ]
    response = api.put(policy_url(1), {"levels": levels}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["levels[0].person"] == ["No active person has this email."]
    response = api.put(
        policy_url(1),
        {"levels": [{"trigger": "uncontained", "after_minutes": 10, "target": "handler"}]},
        format="json",
    )
    assert response.json()["errors"] == {
        "levels": ["Keep at least one “not acknowledged” level: nothing may sit unacknowledged."]
    }
    response = api.put(policy_url(1), {"levels": [{"trigger": "x", "after_minutes": -1}]}, format="json")
    assert response.status_code == 400
    assert not EscalationLevel.objects.exists()
    auditor_api = api_client(token_for(auditor, read_only=False)[1])
    assert auditor_api.put(policy_url(1), {"levels": LEVELS}, format="json").status_code == 403
    assert auditor_api.post(reverse("api:escalation-policy-reset", args=[1])).status_code == 403


def test_the_list_runs_a_fixed_number_of_queries(security_officer, django_assert_num_queries):
    api = api_client(token_for(security_officer, read_only=False)[1])
    for severity in (0, 1, 2, 3, 4):
        api.put(policy_url(severity), {"levels": LEVELS * (1 + severity)}, format="json")
    # token with its owner (1), the caller's portal roles (1), the policies with who changed them (1), and
    # every level with its person (1): at most five policies of at most ten levels each
    with django_assert_num_queries(4):
        assert len(api.get(POLICIES).json()) == 5
