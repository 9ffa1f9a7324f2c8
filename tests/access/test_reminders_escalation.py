"""Escalation of overdue items: the reviewer's manager first, then the security officers; once each."""

import datetime

import pytest
from django.utils import timezone

from access.models import ReviewItem
from access.services.reminders import escalate_overdue_items
from dpms.models import AuditEvent, Notification
from tests.access.closing_support import campaign_with_items
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
DUE = timezone.now().replace(microsecond=0) - datetime.timedelta(days=30)


@pytest.fixture
def overdue(staff):
    """Two items reviewed by ``staff`` (whose manager is ``manager``), due 30 days ago, escalation every 3."""
    c = campaign_with_items(2, reviewer=staff, escalate_after_overdue_days=3)
    c.due_at = DUE
    c.save()
    return c


def escalations_to(person):
    return Notification.objects.filter(recipient=person, dedup_key__startswith="access-escalation:")


def test_level_one_then_two_once_each_and_both_told(overdue, staff, manager, security_officer):
    assert escalate_overdue_items(now=DUE + 2 * DAY) == 0
    assert escalate_overdue_items(now=DUE + 3 * DAY) == 2
    assert escalate_overdue_items(now=DUE + 4 * DAY) == 0
    assert set(ReviewItem.objects.values_list("escalation_level", "escalated_to")) == {(1, manager.pk)}
    assert escalations_to(manager).count() == 1
    assert escalations_to(staff).count() == 1
    assert not escalations_to(security_officer).exists()

    assert escalate_overdue_items(now=DUE + 6 * DAY) == 2
    assert escalate_overdue_items(now=DUE + 7 * DAY) == 0
    assert set(ReviewItem.objects.values_list("escalation_level", "escalated_to")) == {(2, manager.pk)}
    assert escalations_to(security_officer).count() == 1
    assert escalations_to(staff).count() == 2
    assert AuditEvent.objects.filter(action="access.item.escalate").count() == 2


def test_no_active_manager_goes_straight_to_the_security_officers(overdue, staff, manager, security_officer):
    manager.is_active = False
    manager.save()
    escalate_overdue_items(now=DUE + 3 * DAY)
    assert set(ReviewItem.objects.values_list("escalation_level", "escalated_to")) == {(2, None)}
    assert escalations_to(security_officer).count() == 1


def test_the_holder_is_never_escalated_to():
    boss = UserFactory()
    reviewer = UserFactory(manager=boss)
    c = campaign_with_items(1, reviewer=reviewer, escalate_after_overdue_days=3)
    c.due_at = DUE
    c.save()
    ReviewItem.objects.update(holder=boss)
    escalate_overdue_items(now=DUE + 3 * DAY)
    assert ReviewItem.objects.get().escalation_level == 2


def test_decided_items_and_closed_campaigns_are_not_escalated(overdue):
    ReviewItem.objects.filter(pk=overdue.items.first().pk).update(decision="keep")
    assert escalate_overdue_items(now=DUE + 3 * DAY) == 1
    overdue.status = "closed"
    overdue.save()
    assert escalate_overdue_items(now=DUE + 9 * DAY) == 0
