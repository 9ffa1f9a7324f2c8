"""Reminders: one digest per reviewer per step, never twice, only the latest missed step after downtime."""

import datetime

import pytest
from django.utils import timezone

from access.choices import Decision
from access.models import ReviewItem
from access.services.reminders import send_due_reminders
from dpms.models import Notification, OutboxEmail
from tests.access.closing_support import campaign_with_items
from tests.access.factories import ReviewCampaignFactory
from tests.access.reminders_support import remind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
LAUNCH = timezone.now().replace(microsecond=0) - datetime.timedelta(days=30)


def campaign(reviewer, n=3, **policy):
    c = campaign_with_items(n, reviewer=reviewer, reminder_days_before_due=[3, 1], **policy)
    c.launched_at, c.due_at = LAUNCH, LAUNCH + 14 * DAY
    c.save()
    return c


def reminders_for(person):
    return Notification.objects.filter(recipient=person, dedup_key__startswith="access-reminder:")


def test_reminder_at_launch_is_one_digest_listing_all_pending_items(manager):
    c = campaign(manager, n=3)
    assert remind(now=LAUNCH + datetime.timedelta(minutes=5)) == 1
    note = reminders_for(manager).get()
    assert note.subject.endswith("(3 items)")
    assert note.link == "/access/reviews/"  # the title opens the queue
    assert "/access/reviews/" in note.body
    assert all(item.holder_label in note.body for item in c.items.all())
    assert OutboxEmail.objects.filter(recipient=manager).count() == 1


def test_the_tick_run_twice_sends_each_step_once(manager):
    campaign(manager)
    for at in (LAUNCH, LAUNCH + 7 * DAY, LAUNCH + 11 * DAY, LAUNCH + 13 * DAY):
        remind(now=at)
        assert send_due_reminders(now=at) == 0  # nobody is handed out again
        assert remind(now=at) == 0
    keys = sorted(k.split(":")[2] for k in reminders_for(manager).values_list("dedup_key", flat=True))
    assert keys == ["before-1", "before-3", "half", "launch"]


def test_after_downtime_only_the_latest_missed_step_is_sent(manager):
    campaign(manager)
    assert remind(now=LAUNCH + 12 * DAY) == 1  # launch, half time and 3 days before were missed
    assert list(reminders_for(manager).values_list("dedup_key", flat=True)) == [
        f"access-reminder:{reminders_for(manager).get().dedup_key.split(':')[1]}:before-3:{manager.pk}"
    ]
    assert remind(now=LAUNCH + 12 * DAY + datetime.timedelta(hours=5)) == 0


def test_daily_while_overdue_one_per_day(manager):
    campaign(manager)
    due = LAUNCH + 14 * DAY
    for at in (due + datetime.timedelta(hours=1), due + datetime.timedelta(hours=20)):
        remind(now=at)
    remind(now=due + DAY + datetime.timedelta(hours=1))
    assert reminders_for(manager).filter(dedup_key__contains=":overdue-").count() == 2


def test_only_reviewers_with_pending_items_are_reminded(manager, second_report):
    c = campaign(manager, n=2)
    campaign_with_items(1, reviewer=second_report, campaign=c)
    ReviewItem.objects.filter(reviewer=manager).update(decision=Decision.KEEP)
    remind(now=LAUNCH)
    assert not reminders_for(manager).exists()
    assert reminders_for(second_report).count() == 1


def test_closed_campaigns_are_not_reminded(manager):
    c = campaign(manager)
    c.status = "closed"
    c.save()
    assert remind(now=LAUNCH + 13 * DAY) == 0


def test_a_campaign_without_policy_uses_the_defaults(manager):
    c = ReviewCampaignFactory(policy=None, kind="mover", launched_at=LAUNCH, due_at=LAUNCH + 14 * DAY)
    campaign_with_items(1, reviewer=manager, campaign=c)
    remind(now=LAUNCH + 7 * DAY)  # no half-time step without a policy: the launch one is latest
    remind(now=LAUNCH + 13 * DAY)
    remind(now=LAUNCH + 15 * DAY)
    keys = sorted(k.split(":")[2] for k in reminders_for(manager).values_list("dedup_key", flat=True))
    assert keys == ["before-1", "launch", "overdue-1"]


def test_inactive_reviewers_get_no_reminder():
    reviewer = UserFactory(is_active=False)
    campaign(reviewer)
    assert remind(now=LAUNCH) == 0


def test_a_digest_lists_fifty_items_and_links_to_the_queue_for_the_rest(manager):
    campaign(manager, n=53)
    assert remind(now=LAUNCH) == 1
    note = reminders_for(manager).get()
    assert note.subject.endswith("(53 items)")  # the subject counts them all
    assert note.body.count(" · ") == 50
    last = note.body.rstrip().splitlines()[-1]
    assert last.startswith("- … and 3 more: ")
    assert last.endswith("/access/reviews/")


@pytest.mark.parametrize("reviewers", [2, 40])
def test_a_second_tick_sends_nothing_in_five_queries_whatever_the_number_of_reviewers(
    reviewers, django_assert_num_queries
):
    c = campaign(UserFactory(), n=2)
    for _ in range(reviewers - 1):
        campaign_with_items(2, reviewer=UserFactory(), campaign=c)
    assert remind(now=LAUNCH) == reviewers
    # The open campaigns (1); per campaign: its savepoint (2), locking it (1), claiming the reviewers not told
    # of this step yet, none (1). No item is read.
    with django_assert_num_queries(5):
        assert send_due_reminders(now=LAUNCH + datetime.timedelta(minutes=1)) == 0
