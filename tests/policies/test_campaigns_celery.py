"""End to end on a real Celery worker: a security officer closes a large campaign, the close task freezes its
evidence; the policies tick runs on the worker."""

import datetime
import hashlib
import json

import pytest
from django.utils import timezone

from dpms.models import AuditEvent
from policies.choices import AssignmentStatus, CampaignStatus
from policies.models import PolicyCampaign
from policies.services import campaigns as services
from policies.tasks import tick
from tests.dpms.outbox_support import wait_until
from tests.policies.campaigns_support import people, policy_in_force

pytestmark = pytest.mark.celery


def test_a_large_campaign_closes_in_the_worker(celery_worker, security_officer, monkeypatch):
    monkeypatch.setattr(services, "BACKGROUND_CLOSE_OVER", 50)
    people(120)
    campaign = services.campaign_launch(actor=security_officer, policy=policy_in_force(questions=2))
    assert campaign.population_count > 50

    closing = services.campaign_close(actor=security_officer, campaign=campaign)
    assert closing.status == CampaignStatus.CLOSING  # the page says "closing" until the task is done

    def closed():
        return PolicyCampaign.objects.filter(pk=campaign.pk, status=CampaignStatus.CLOSED).exists()

    assert wait_until(closed, timeout=120)
    campaign.refresh_from_db()
    assert campaign.closed_by == security_officer
    no_response = campaign.assignments.filter(status=AssignmentStatus.NO_RESPONSE)
    assert no_response.count() == campaign.population_count
    body = services.evidence_bytes(campaign)
    assert hashlib.sha256(body).hexdigest() == campaign.evidence_sha256
    assert json.loads(services.manifest_bytes(campaign))["file_sha256"] == campaign.evidence_sha256
    event = AuditEvent.objects.get(action="policy.campaign.close")
    assert event.actor_id == security_officer.pk
    assert event.changes["file_sha256"] == campaign.evidence_sha256


def test_the_tick_launches_a_yearly_campaign_in_the_worker(celery_worker):
    people(5)
    policy = policy_in_force(next_run_at=timezone.now() - datetime.timedelta(minutes=5))
    tick.delay()
    launched = PolicyCampaign.objects.filter(policy=policy, status=CampaignStatus.OPEN)
    assert wait_until(launched.exists, timeout=60)
