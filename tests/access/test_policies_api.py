"""Review policies through the API: read by security officers and auditors (403 for anyone else, as on the
pages), filtered like the page."""

import pytest
from django.urls import reverse

from access.models import ReviewPolicy
from dpms.models import AuditEvent, AuditSource
from tests.access.factories import ReviewPolicyFactory, SystemFactory
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db

POLICIES = reverse("api:access-policy-list")


def as_(user):
    return api_client(token_for(user, read_only=False)[1])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 403),
        ("manager", 403),
        ("admin", 403),
        ("outsider", 403),
        ("auditor", 200),
        ("security_officer", 200),
    ],
)
def test_who_reads_policies(personas, persona, status):
    policy = ReviewPolicyFactory()
    client = as_(personas[persona])
    assert client.get(POLICIES).status_code == status
    assert client.get(reverse("api:access-policy-detail", args=[policy.pk])).status_code == status
    missing = client.get(reverse("api:access-policy-detail", args=[999999]))
    assert missing.status_code == (404 if status == 200 else 403)


def test_a_policy_reads_as_its_page_shows_it(auditor):
    policy = ReviewPolicyFactory(name="Quarterly payroll")
    policy.systems.add(SystemFactory(name="Payroll"))
    body = as_(auditor).get(reverse("api:access-policy-detail", args=[policy.pk])).json()
    assert body["systems"][0]["name"] == "Payroll"
    assert (body["cadence"], body["campaign_count"]) == ("quarterly", 0)


def test_policies_are_filtered_like_the_page(auditor):
    on = ReviewPolicyFactory(name="Quarterly payroll", enabled=True)
    off = ReviewPolicyFactory(name="Yearly ledger", enabled=False)
    client = as_(auditor)
    ids = lambda params: {row["id"] for row in client.get(POLICIES, params).json()["results"]}  # noqa: E731
    assert ids({"enabled": "no"}) == {off.pk}
    assert ids({"q": "payroll"}) == {on.pk}
    assert client.get(POLICIES, {"enabled": "maybe"}).status_code == 400


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_policy_list_runs_a_fixed_number_of_queries(auditor, rows, django_assert_num_queries):
    fallback = ReviewPolicyFactory().fallback_reviewer
    ReviewPolicy.objects.bulk_create(
        [ReviewPolicyFactory.build(name=f"Policy {n}", fallback_reviewer=fallback) for n in range(rows)]
    )
    client = as_(auditor)
    client.get(POLICIES)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), the caller's portal roles (1: who reads policies), a page of policies with
    # their reviewers joined and campaigns counted (1)
    with django_assert_num_queries(3):
        assert len(client.get(POLICIES + "?page_size=200").json()["results"]) == min(rows + 1, 200)


def detail(policy):
    return reverse("api:access-policy-detail", args=[policy.pk])


def policy_body(fallback, **overrides):
    body = {
        "name": "Quarterly production review",
        "reviewer_rule": "manager",
        "fallback_reviewer": fallback.pk,
        "cadence": "quarterly",
        "start_date": "2026-01-01",
        "duration_days": 14,
        "reminder_days_before_due": [3, 1],
        "escalate_after_overdue_days": 3,
        "default_decision": "flag",
        "auto_revoke_confirm_share": "0.2",
        "environments": ["production"],
        "remind_at_launch": True,
    }
    return {**body, **overrides}


def test_a_security_officer_creates_a_disabled_policy_audited_as_api(security_officer, auditor):
    system = SystemFactory(name="Payroll")
    token, text = token_for(security_officer, read_only=False, name="policies as code")
    response = api_client(text).post(POLICIES, policy_body(auditor, systems=[system.pk]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["enabled"], body["reminder_days_before_due"], body["environments"]) == (
        False,
        [3, 1],
        ["production"],
    )
    assert [row["name"] for row in body["systems"]] == ["Payroll"]
    event = AuditEvent.objects.get(action="access.policy.create")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} policies as code")


def test_a_bad_policy_is_a_400_with_the_forms_and_services_errors(security_officer, auditor):
    client = as_(security_officer)
    response = client.post(
        POLICIES,
        policy_body(auditor, cadence="weekly", reminder_days_before_due="3, x", fallback_reviewer=999999),
        format="json",
    )
    assert response.status_code == 400
    assert {"cadence", "reminder_days_before_due", "fallback_reviewer"} <= set(response.json()["errors"])
    zero = client.post(POLICIES, policy_body(auditor, duration_days=0), format="json")
    assert "duration_days" in zero.json()["errors"]
    assert not ReviewPolicy.objects.exists()


def test_a_patch_keeps_what_it_does_not_send_and_honours_if_match(security_officer):
    policy = ReviewPolicyFactory(name="Quarterly", duration_days=14, reminder_days_before_due=[3, 1])
    policy.systems.add(SystemFactory(name="Payroll"))
    client = as_(security_officer)
    etag = client.get(detail(policy))["ETag"]
    response = client.patch(detail(policy), {"duration_days": 21}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["duration_days"], body["name"], body["reminder_days_before_due"]) == (
        21,
        "Quarterly",
        [3, 1],
    )
    assert [row["name"] for row in body["systems"]] == ["Payroll"]
    stale = client.patch(detail(policy), {"duration_days": 7}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert ReviewPolicy.objects.get(pk=policy.pk).duration_days == 21


def test_enabling_a_revoking_policy_needs_the_count_confirmed(security_officer):
    policy = ReviewPolicyFactory(enabled=False, default_decision="revoke")
    client = as_(security_officer)
    assert client.get(detail(policy)).json()["revoke_exposure"] == 0
    refused = client.post(reverse("api:access-policy-enable", args=[policy.pk]), {}, format="json")
    assert refused.status_code == 400
    assert "Confirm this number" in refused.json()["errors"]["non_field_errors"][0]
    body = {"confirm": True, "confirmed_count": 0}
    enabled = client.post(reverse("api:access-policy-enable", args=[policy.pk]), body, format="json")
    assert enabled.status_code == 200
    assert enabled.json()["enabled"] is True
    disabled = client.post(reverse("api:access-policy-disable", args=[policy.pk]), format="json")
    assert (disabled.status_code, disabled.json()["enabled"]) == (200, False)


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "admin", "outsider"])
def test_only_security_officers_change_policies(personas, persona):
    policy = ReviewPolicyFactory(enabled=False)
    client = api_client(token_for(personas[persona], read_only=False)[1])
    body = policy_body(policy.fallback_reviewer, name="Other")
    assert client.post(POLICIES, body, format="json").status_code == 403
    assert client.put(detail(policy), body, format="json").status_code == 403
    assert client.patch(detail(policy), {"name": "Other"}, format="json").status_code == 403
    for name in ("enable", "disable"):
        assert (
            client.post(reverse(f"api:access-policy-{name}", args=[policy.pk]), format="json").status_code
            == 403
        )
    assert ReviewPolicy.objects.get(pk=policy.pk).name != "Other"
    assert not ReviewPolicy.objects.get(pk=policy.pk).enabled
