"""End to end on a real Celery worker: the access tick closes a due campaign of a few hundred items."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from access.choices import CampaignStatus, Decision, DefaultDecision
from access.models import ReviewCampaign, ReviewItem, RevocationTask
from access.services import evidence
from access.tasks import tick
from dpms.models import AuditEvent
from tests.access.closing_support import campaign_with_items
from tests.dpms.outbox_support import wait_until

pytestmark = pytest.mark.celery


def test_worker_tick_closes_a_campaign_of_hundreds_of_items(celery_worker):
    campaign = campaign_with_items(300, default_decision=DefaultDecision.KEEP, auto_apply=False)
    revoked = list(campaign.items.order_by("pk")[:20])
    ReviewItem.objects.filter(pk__in=[i.pk for i in revoked]).update(
        decision=Decision.REVOKE, justification="Left"
    )
    ReviewCampaign.objects.filter(pk=campaign.pk).update(
        due_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    tick.delay()

    def closed():
        return ReviewCampaign.objects.filter(pk=campaign.pk, status=CampaignStatus.CLOSED).exists()

    assert wait_until(closed, timeout=120)
    campaign.refresh_from_db()
    assert campaign.items.filter(default_applied=True, decision=Decision.KEEP).count() == 280
    assert RevocationTask.objects.filter(review_item__campaign=campaign).count() == 20
    file_hash = hashlib.sha256(evidence.evidence_bytes(campaign)).hexdigest()
    assert file_hash == campaign.evidence_sha256
    assert AuditEvent.objects.get(action="access.campaign.evidence").changes["file_sha256"] == file_hash
