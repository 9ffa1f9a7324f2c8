"""Two ticks at once on PostgreSQL: one reminder per step and one escalation, never two."""

import datetime

import pytest
from django.utils import timezone

from access.models import ReviewItem
from access.services.reminders import escalate_overdue_items, send_due_reminders
from access.services.revocations import remind_overdue_tasks
from dpms.models import AuditEvent, Notification
from tests.access.closing_support import campaign_with_items
from tests.access.factories import RevocationTaskFactory, SystemFactory
from tests.concurrency import same_call_at_once

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")


def run_together(step, now, workers=4):
    return same_call_at_once(lambda: step(now=now), workers)  # raises if any of them failed


def test_concurrent_ticks_send_one_reminder_and_escalate_once(staff, manager, security_officer):
    campaign = campaign_with_items(5, reviewer=staff, escalate_after_overdue_days=3)
    now = timezone.now()
    campaign.due_at = now - datetime.timedelta(days=3, minutes=1)
    campaign.save()

    assert sum(run_together(send_due_reminders, now)) == 1
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
