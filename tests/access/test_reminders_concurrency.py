"""Two ticks at once on PostgreSQL: one reminder per step and one escalation, never two."""

import datetime

import pytest
from django.utils import timezone

from access.models import ReviewItem
from access.services.reminders import escalate_overdue_items, send_claimed_reminders, send_due_reminders
from access.services.revocations import remind_overdue_tasks
from dpms.models import AuditEvent, Notification, OutboxEmail
from tests.access.closing_support import campaign_with_items
from tests.access.factories import RevocationTaskFactory, SystemFactory
from tests.access.reminders_support import run_claimed
from tests.concurrency import same_call_at_once

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")


def run_together(step, now, workers=4):
    return same_call_at_once(lambda: step(now=now), workers)  # raises if any of them failed


def test_concurrent_ticks_send_one_reminder_and_escalate_once(staff, manager, security_officer):
    campaign = campaign_with_items(5, reviewer=staff, escalate_after_overdue_days=3)
    now = timezone.now()
    campaign.due_at = now - datetime.timedelta(days=3, minutes=1)
    campaign.save()

    assert sum(run_together(send_due_reminders, now)) == 1  # one tick claims the reviewer
    assert run_claimed(now) == 1
    assert Notification.objects.filter(recipient=staff, dedup_key__startswith="access-reminder:").count() == 1

    assert sum(run_together(escalate_overdue_items, now)) == 5
    assert set(ReviewItem.objects.values_list("escalation_level", "escalated_to")) == {(1, manager.pk)}
    assert AuditEvent.objects.filter(action="access.item.escalate").count() == 1
    assert (
        Notification.objects.filter(recipient=manager, dedup_key__startswith="access-escalation:").count()
        == 1
    )


def test_concurrent_ticks_escalate_a_revocation_task_once(staff, manager):
    RevocationTaskFactory(
        grant__role__system=SystemFactory(owner=staff),
        assignee=staff,
        due_at=timezone.now() - datetime.timedelta(days=4),
    )
    run_together(remind_overdue_tasks, timezone.now())
    assert AuditEvent.objects.filter(action="access.revocation.escalate").count() == 1
    assert Notification.objects.filter(recipient=manager, subject__startswith="Escalated").count() == 1
    assert Notification.objects.filter(recipient=staff, subject__startswith="Overdue access").count() == 1


def test_the_same_reminder_batch_on_four_workers_at_once_sends_each_digest_once(manager, staff):
    """A batch's message delivered twice (a worker lost after starting it, late acknowledgement) and run at
    the same moment: its claims are locked by one run, the others skip them."""
    campaign = campaign_with_items(2, reviewer=manager)
    campaign_with_items(1, reviewer=staff, campaign=campaign)
    now = timezone.now()
    assert send_due_reminders(now=now) == 2
    batch = [manager.pk, staff.pk]
    send = lambda: send_claimed_reminders(campaign_id=campaign.pk, now=now, recipient_ids=batch)  # noqa: E731
    assert sum(same_call_at_once(send, 4)) == 2
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == sorted(batch)
    assert OutboxEmail.objects.count() == 2
