"""Ticks at once on PostgreSQL: one reminder per person and step, one escalation, one close, one launch."""

import datetime

import pytest
from django.utils import timezone

from dpms.models import AuditEvent, Notification
from policies.choices import AssignmentStatus, CampaignStatus
from policies.models import Assignment, PolicyCampaign
from policies.services.campaigns import (
    campaign_launch,
    close_due_campaigns,
    escalate_overdue,
    launch_due_campaigns,
    launch_joiner_campaigns,
    send_due_reminders,
)
from tests.concurrency import same_call_at_once
from tests.factories import UserFactory
from tests.policies.campaigns_support import people, policy_in_force

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")


def run_together(step, now, workers=4):
    return same_call_at_once(lambda: step(now=now), workers)  # raises if any of them failed


def test_concurrent_ticks_remind_escalate_and_close_once(security_officer, staff, manager):
    people(5)
    now = timezone.now()
    launch = now - datetime.timedelta(days=20)
    campaign = campaign_launch(
        actor=security_officer,
        policy=policy_in_force(escalate_after_overdue_days=3),
        now=launch,
        due_at=now - datetime.timedelta(days=3, minutes=1),
    )
    pending = campaign.assignments.filter(status=AssignmentStatus.PENDING).count()

    assert sum(run_together(send_due_reminders, now)) == pending
    assert Notification.objects.filter(recipient=staff, dedup_key__startswith="policy-reminder:").count() == 1

    assert sum(run_together(escalate_overdue, now)) == pending
    assert Assignment.objects.get(campaign=campaign, person=staff).escalated_to == manager
    assert AuditEvent.objects.filter(action="policy.assignment.escalate").count() == 2  # managers, officers
    to_manager = Notification.objects.filter(recipient=manager, dedup_key__startswith="policy-escalation:")
    assert to_manager.count() == 1

    later = campaign.closes_at + datetime.timedelta(minutes=1)
    assert sum(run_together(close_due_campaigns, later)) == 1
    assert AuditEvent.objects.filter(action="policy.campaign.close").count() == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED


def test_concurrent_ticks_launch_one_joiners_and_one_yearly_campaign():
    people(3)
    joiner = UserFactory()
    policy = policy_in_force(next_run_at=timezone.now() - datetime.timedelta(minutes=1))
    now = timezone.now()
    assert sum(run_together(launch_joiner_campaigns, now)) == 1
    assert Assignment.objects.filter(person=joiner).count() == 1
    assert sum(run_together(launch_due_campaigns, now)) == 1
    assert PolicyCampaign.objects.filter(policy=policy).count() == 2  # the day's joiners' and the year's
    assert AuditEvent.objects.filter(action="policy.campaign.launch").count() == 2
