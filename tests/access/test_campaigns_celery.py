"""End to end on a real Celery worker: the access tick launches a campaign of a few hundred items."""

import datetime

import pytest
from django.utils import timezone

from access.choices import CampaignStatus
from access.models import Grant, ReviewCampaign
from access.services import evidence
from access.services.campaigns import population_sha256
from access.tasks import tick
from dpms.models import AuditEvent
from tests.access.factories import GrantFactory, ReviewPolicyFactory, RoleFactory
from tests.dpms.outbox_support import wait_until
from tests.factories import UserFactory

pytestmark = pytest.mark.celery


def test_worker_tick_launches_a_campaign_of_hundreds_of_items(celery_worker, manager, monkeypatch):
    # Batches of 100, one batch per task run: the task hands over to a fresh one until the launch is done.
    monkeypatch.setattr("access.services.campaigns.BATCH_SIZE", 100)
    monkeypatch.setattr("access.tasks.BATCHES_PER_TASK", 1)
    role = RoleFactory()
    holders = UserFactory.create_batch(300, manager=manager)
    Grant.objects.bulk_create([GrantFactory.build(user=holder, role=role) for holder in holders])
    policy = ReviewPolicyFactory(next_run_at=timezone.now() - datetime.timedelta(minutes=1))

    tick.delay()

    def opened():
        return ReviewCampaign.objects.filter(policy=policy, status=CampaignStatus.OPEN).exists()

    assert wait_until(opened, timeout=120)
    campaign = ReviewCampaign.objects.get(policy=policy)
    assert (campaign.population_count, campaign.items_created) == (300, 300)
    assert campaign.items.filter(reviewer=manager).count() == 300
    rows = [(g.pk, g.user.email, role.system.name, role.name) for g in Grant.objects.select_related("user")]
    assert campaign.population_sha256 == population_sha256(rows)
    event = AuditEvent.objects.get(action="access.campaign.launch", object_id=str(campaign.pk))
    assert event.source == "task"
    assert event.changes["population_sha256"] == campaign.population_sha256


def test_worker_launches_then_closes_a_campaign_with_defaults_and_evidence(
    celery_worker, manager, monkeypatch
):
    """The whole cycle on the worker: the tick launches, the reviewer decides some, the tick closes the rest
    with the policy's default, opens revocation tasks, freezes evidence whose hash is in the audit trail."""
    import hashlib

    from access.choices import Decision, DefaultDecision
    from access.models import RevocationTask
    from access.services.reviews import item_decide

    monkeypatch.setattr("access.services.campaigns.BATCH_SIZE", 100)
    role = RoleFactory()
    holders = UserFactory.create_batch(250, manager=manager)
    Grant.objects.bulk_create([GrantFactory.build(user=holder, role=role) for holder in holders])
    policy = ReviewPolicyFactory(
        next_run_at=timezone.now() - datetime.timedelta(minutes=1),
        default_decision=DefaultDecision.REVOKE,
        auto_revoke_confirm_share=1,
    )
    tick.delay()
    assert wait_until(
        lambda: ReviewCampaign.objects.filter(policy=policy, status=CampaignStatus.OPEN).exists(), timeout=120
    )
    campaign = ReviewCampaign.objects.get(policy=policy)
    for item in campaign.items.order_by("pk")[:50]:
        item_decide(item=item, actor=manager, decision=Decision.KEEP)
    ReviewCampaign.objects.filter(pk=campaign.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    tick.delay()

    assert wait_until(
        lambda: ReviewCampaign.objects.filter(pk=campaign.pk, status=CampaignStatus.CLOSED).exists(),
        timeout=120,
    )
    campaign.refresh_from_db()
    assert campaign.items.filter(decision=Decision.KEEP, default_applied=False).count() == 50
    assert campaign.items.filter(decision=Decision.REVOKE, default_applied=True).count() == 200
    assert RevocationTask.objects.filter(review_item__campaign=campaign, status="open").count() == 200
    assert hashlib.sha256(evidence.evidence_bytes(campaign)).hexdigest() == campaign.evidence_sha256
    evidence_event = AuditEvent.objects.get(action="access.campaign.evidence", object_id=str(campaign.pk))
    assert campaign.evidence_sha256 in str(evidence_event.changes)
