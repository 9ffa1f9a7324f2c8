"""A campaign stays open after its due date for the escalation window, then the tick closes it."""

import datetime

import pytest
from django.utils import timezone

from access.choices import CampaignStatus
from access.services.campaigns import launch_due_campaigns
from access.services.closing import close_due_campaigns
from access.services.reminders import escalate_overdue_items
from tests.access.closing_support import campaign_with_items

pytestmark = pytest.mark.django_db


def test_launch_sets_the_close_date_after_the_escalation_window(security_officer):
    from tests.access.factories import GrantFactory, ReviewPolicyFactory

    GrantFactory()
    policy = ReviewPolicyFactory(escalate_after_overdue_days=3, duration_days=14, next_run_at=timezone.now())
    launch_due_campaigns(now=timezone.now())
    campaign = policy.campaigns.get()
    assert campaign.closes_at - campaign.due_at == datetime.timedelta(days=6)


def test_an_overdue_campaign_stays_open_for_escalation_then_closes(manager, staff):
    campaign = _overdue_campaign(manager)
    day_after_due = campaign.due_at + datetime.timedelta(days=1)

    assert close_due_campaigns(now=day_after_due) == 0
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN

    assert escalate_overdue_items(now=campaign.due_at + datetime.timedelta(days=4)) > 0
    assert close_due_campaigns(now=campaign.closes_at + datetime.timedelta(minutes=1)) == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED


def _overdue_campaign(reviewer):
    campaign = campaign_with_items(2, reviewer=reviewer, escalate_after_overdue_days=3)
    campaign.due_at = timezone.now() - datetime.timedelta(hours=1)
    campaign.closes_at = campaign.policy.close_date(campaign.due_at)
    campaign.save(update_fields=["due_at", "closes_at"])
    return campaign


def test_a_keep_until_decision_becomes_the_grants_expiry_at_close(manager, security_officer):
    from access.choices import Decision
    from access.services.closing import campaign_close

    campaign = campaign_with_items(1, reviewer=manager)
    item = campaign.items.get()
    until = timezone.localdate() + datetime.timedelta(days=30)
    item.decision, item.keep_until, item.justification = Decision.EXCEPTION, until, "Until the migration ends"
    item.decided_by, item.decided_at = manager, timezone.now()
    item.save()

    campaign_close(campaign=campaign, actor=security_officer, now=timezone.now())

    item.grant.refresh_from_db()
    assert timezone.localtime(item.grant.expires_at).date() == until
    assert item.grant.revoked_at is None
