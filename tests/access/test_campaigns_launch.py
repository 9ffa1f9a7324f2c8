"""Launching campaigns: once per policy and period, a population fixed at launch, hashed and audited."""

import datetime
import hashlib
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from access.choices import CampaignKind, CampaignStatus, Decision, Recommendation
from access.models import ReviewCampaign, ReviewItem
from access.services import campaigns as services
from dpms.models import AuditEvent
from tests.access.factories import GrantFactory, ReviewPolicyFactory, RoleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 29, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def no_broker():
    """These tests run the population in-process; the Celery path has its own test with a real worker."""
    with mock.patch("access.services.campaigns._enqueue_population") as enqueue:
        yield enqueue


def _due_policy(**kwargs):
    kwargs.setdefault("start_date", datetime.date(2026, 10, 1))
    kwargs.setdefault("next_run_at", NOW - datetime.timedelta(hours=1))
    return ReviewPolicyFactory(**kwargs)


def test_tick_launches_the_current_period_once_and_schedules_the_next(django_capture_on_commit_callbacks):
    policy = _due_policy()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.launch_due_campaigns(now=NOW) == 1
    campaign = ReviewCampaign.objects.get(policy=policy)
    assert (campaign.period_key, campaign.kind, campaign.status) == ("2026-Q4", "scheduled", "launching")
    assert campaign.due_at == NOW + datetime.timedelta(days=14)
    services._enqueue_population.assert_called_once_with(campaign.pk)
    policy.refresh_from_db()
    assert policy.next_run_at == datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)


def test_tick_run_twice_gives_one_campaign():
    policy = _due_policy()
    assert services.launch_due_campaigns(now=NOW) == 1
    assert services.launch_due_campaigns(now=NOW) == 0
    policy.next_run_at = NOW - datetime.timedelta(minutes=5)  # even if the schedule were set back
    policy.save()
    assert services.launch_due_campaigns(now=NOW + datetime.timedelta(minutes=5)) == 0
    assert ReviewCampaign.objects.filter(policy=policy).count() == 1


def test_catch_up_after_downtime_launches_the_current_period_once():
    policy = _due_policy(
        start_date=datetime.date(2026, 1, 1), next_run_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    assert services.launch_due_campaigns(now=NOW) == 1
    assert list(ReviewCampaign.objects.filter(policy=policy).values_list("period_key", flat=True)) == [
        "2026-Q4"
    ]
    policy.refresh_from_db()
    assert policy.next_run_at > NOW


def test_disabled_or_not_yet_due_policies_are_not_launched():
    _due_policy(enabled=False)
    _due_policy(next_run_at=NOW + datetime.timedelta(minutes=1))
    assert services.launch_due_campaigns(now=NOW) == 0
    assert not ReviewCampaign.objects.exists()


def _launched(policy, now=None):
    services.launch_due_campaigns(now=now or timezone.now())
    return ReviewCampaign.objects.get(policy=policy)


def test_population_snapshots_each_grant_and_routes_it(staff, manager, outsider):
    now = timezone.now()
    policy = _due_policy(next_run_at=now - datetime.timedelta(minutes=1))
    granter = UserFactory(full_name="Gina Granter", email="gina@example.com")
    role = RoleFactory(privileged=True)
    grant = GrantFactory(user=staff, role=role, granted_by=granter, justification="Month-end close.")
    GrantFactory(user=outsider)  # no manager: the fallback reviews it
    campaign = _launched(policy, now)
    services.campaign_populate(campaign_id=campaign.pk, batch_size=1)

    item = ReviewItem.objects.get(campaign=campaign, grant=grant)
    assert (item.holder, item.reviewer, item.routing_note) == (staff, manager, "")
    assert item.holder_label == f"{staff.full_name} <{staff.email}>"
    assert (item.system_name, item.role_name, item.privileged) == (role.system.name, role.name, True)
    assert (item.granted_at, item.granted_by_label) == (grant.granted_at, "Gina Granter <gina@example.com>")
    assert item.grant_justification == "Month-end close."
    assert item.decision == Decision.PENDING
    rerouted = ReviewItem.objects.get(campaign=campaign, holder=outsider)
    assert rerouted.reviewer == policy.fallback_reviewer
    assert rerouted.routing_note.startswith("no manager")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.population_count, campaign.items_created) == (CampaignStatus.OPEN, 2, 2)


def test_deactivated_holder_is_flagged_with_its_recommendation(staff):
    now = timezone.now()
    policy = _due_policy(next_run_at=now)
    GrantFactory(user=staff)
    staff.is_active = False
    staff.save()
    campaign = _launched(policy, now)
    services.campaign_populate(campaign_id=campaign.pk)
    item = campaign.items.get()
    assert item.holder_deactivated
    assert item.recommendation == Recommendation.DEACTIVATED
    assert item.recommendation_reason


def test_population_is_fixed_at_launch():
    launched_at = timezone.now()
    policy = _due_policy(next_run_at=launched_at)
    before = GrantFactory(granted_at=launched_at - datetime.timedelta(days=1))
    revoked_after_launch = GrantFactory(granted_at=launched_at - datetime.timedelta(days=1))
    campaign = _launched(policy, launched_at)
    # Between the launch and the task: one grant is revoked, one is given.
    revoked_after_launch.revoked_at = launched_at + datetime.timedelta(seconds=1)
    revoked_after_launch.save()
    GrantFactory(granted_at=launched_at + datetime.timedelta(seconds=2))
    services.campaign_populate(campaign_id=campaign.pk)
    assert set(campaign.items.values_list("grant_id", flat=True)) == {before.pk, revoked_after_launch.pk}


def test_population_hash_is_deterministic_and_recorded_in_the_audit_trail():
    now = timezone.now()
    policy = _due_policy(next_run_at=now)
    grants = GrantFactory.create_batch(5)
    campaign = _launched(policy, now)
    services.campaign_populate(campaign_id=campaign.pk, batch_size=2)
    campaign.refresh_from_db()

    lines = sorted(f"{g.pk},{g.user.email},{g.role.system.name},{g.role.name}" for g in grants)
    expected = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    assert campaign.population_sha256 == expected
    assert (
        services.population_sha256(
            reversed([(g.pk, g.user.email, g.role.system.name, g.role.name) for g in grants])
        )
        == expected
    )
    event = AuditEvent.objects.get(action="access.campaign.launch", object_id=str(campaign.pk))
    assert event.changes["population_count"] == 5
    assert event.changes["population_sha256"] == expected


def test_population_run_twice_writes_each_item_once_and_audits_once():
    now = timezone.now()
    policy = _due_policy(next_run_at=now)
    GrantFactory.create_batch(4)
    campaign = _launched(policy, now)
    services.campaign_populate_batch(campaign_id=campaign.pk, batch_size=3)
    services.campaign_populate(campaign_id=campaign.pk, batch_size=3)
    services.campaign_populate(campaign_id=campaign.pk, batch_size=3)
    assert campaign.items.count() == 4
    assert AuditEvent.objects.filter(action="access.campaign.launch").count() == 1


def test_progress_is_recorded_batch_by_batch():
    now = timezone.now()
    policy = _due_policy(next_run_at=now)
    GrantFactory.create_batch(5)
    campaign = _launched(policy, now)
    assert services.campaign_populate_batch(campaign_id=campaign.pk, batch_size=2) is False
    campaign.refresh_from_db()
    assert (campaign.items_created, campaign.status) == (2, CampaignStatus.LAUNCHING)


def test_stalled_launch_is_enqueued_again_by_the_tick(no_broker):
    campaign = ReviewCampaign.objects.create(
        policy=ReviewPolicyFactory(enabled=False),
        name="Stalled",
        period_key="2026-Q4",
        launched_at=NOW - datetime.timedelta(hours=1),
        due_at=NOW + datetime.timedelta(days=13),
    )
    services.launch_due_campaigns(now=NOW)
    no_broker.assert_called_once_with(campaign.pk)


def test_security_officer_launches_an_ad_hoc_campaign_at_any_time(
    security_officer, django_capture_on_commit_callbacks
):
    policy = ReviewPolicyFactory(enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        campaign = services.campaign_launch_now(actor=security_officer, policy=policy, now=NOW)
    assert campaign.kind == CampaignKind.AD_HOC
    assert campaign.period_key.startswith("adhoc-20261129T093000")
    assert campaign.launched_by == security_officer
    services._enqueue_population.assert_called_once_with(campaign.pk)


def test_ad_hoc_launch_is_refused_while_one_is_still_launching(security_officer):
    policy = ReviewPolicyFactory()
    services.campaign_launch_now(actor=security_officer, policy=policy, now=NOW)
    with pytest.raises(ValidationError, match="still launching"):
        services.campaign_launch_now(
            actor=security_officer, policy=policy, now=NOW + datetime.timedelta(seconds=1)
        )


def test_only_a_security_officer_launches(manager):
    with pytest.raises(ValidationError):
        services.campaign_launch_now(actor=manager, policy=ReviewPolicyFactory(), now=NOW)
