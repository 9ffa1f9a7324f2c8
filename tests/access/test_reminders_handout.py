"""The tick claims the reviewers due and hands them to the workers in batches: nobody is reminded twice of one
step, even when a batch runs twice, and nobody is missed when a batch's task is lost."""

import datetime

import pytest
from django.utils import timezone

from access.models import ReminderClaim
from access.services import reminders
from access.services.reminders import CLAIM_STALE_AFTER, send_claimed_reminders, send_due_reminders
from dpms.models import Notification, OutboxEmail
from tests.access.closing_support import campaign_with_items
from tests.access.reminders_support import remind, run_claimed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
LAUNCH = timezone.now().replace(microsecond=0) - datetime.timedelta(days=30)


def campaign(reviewer, n=2):
    c = campaign_with_items(n, reviewer=reviewer, reminder_days_before_due=[3, 1])
    c.launched_at, c.due_at = LAUNCH, LAUNCH + 14 * DAY
    c.save()
    return c


def reminders_for(person):
    return Notification.objects.filter(recipient=person, dedup_key__startswith="access-reminder:")


def claimed(c):
    return sorted(ReminderClaim.objects.filter(campaign=c).values_list("recipient_id", flat=True))


def test_the_tick_claims_the_reviewers_and_writes_no_digest_itself(manager, staff):
    c = campaign(manager)
    campaign_with_items(1, reviewer=staff, campaign=c)
    assert send_due_reminders(now=LAUNCH) == 2
    assert claimed(c) == sorted([manager.pk, staff.pk])
    assert not Notification.objects.exists()
    assert send_due_reminders(now=LAUNCH + datetime.timedelta(minutes=5)) == 0  # held by the workers


def test_a_batch_run_twice_sends_one_digest(manager):
    c = campaign(manager)
    send_due_reminders(now=LAUNCH)
    assert send_claimed_reminders(campaign_id=c.pk, now=LAUNCH, recipient_ids=[manager.pk]) == 1
    assert send_claimed_reminders(campaign_id=c.pk, now=LAUNCH, recipient_ids=[manager.pk]) == 0
    assert reminders_for(manager).count() == 1
    assert OutboxEmail.objects.filter(recipient=manager).count() == 1
    assert claimed(c) == []


def test_a_batch_whose_task_was_lost_is_handed_out_again_once_its_claims_are_stale(manager):
    c = campaign(manager)
    assert send_due_reminders(now=LAUNCH) == 1  # its task never arrives
    later = LAUNCH + CLAIM_STALE_AFTER - datetime.timedelta(minutes=1)
    assert send_due_reminders(now=later) == 0  # a worker may still be at it
    assert not reminders_for(manager).exists()
    stale = LAUNCH + CLAIM_STALE_AFTER + datetime.timedelta(minutes=1)
    assert remind(now=stale) == 1
    [note] = reminders_for(manager)
    assert note.dedup_key == f"access-reminder:{c.pk}:launch:{manager.pk}"
    # The lost task turns up after all: nothing more is sent.
    assert send_claimed_reminders(campaign_id=c.pk, now=LAUNCH, recipient_ids=[manager.pk]) == 0
    assert reminders_for(manager).count() == 1


def test_a_later_step_voids_the_claims_of_an_earlier_one(manager):
    c = campaign(manager)
    send_due_reminders(now=LAUNCH)  # launch: its task is still queued when half time comes
    assert send_due_reminders(now=LAUNCH + 7 * DAY) == 1
    assert list(ReminderClaim.objects.filter(campaign=c).values_list("step", flat=True)) == ["half"]
    assert send_claimed_reminders(campaign_id=c.pk, now=LAUNCH, recipient_ids=[manager.pk]) == 0
    assert run_claimed(LAUNCH + 7 * DAY) == 1
    assert [n.dedup_key.split(":")[2] for n in reminders_for(manager)] == ["half"]  # one digest, the latest


def test_nobody_deactivated_or_done_since_the_claim_is_reminded(manager, staff, second_report):
    c = campaign(manager)
    campaign_with_items(1, reviewer=staff, campaign=c)
    campaign_with_items(1, reviewer=second_report, campaign=c)
    send_due_reminders(now=LAUNCH)
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    c.items.filter(reviewer=second_report).update(decision="keep")
    assert run_claimed(LAUNCH) == 1
    assert list(Notification.objects.values_list("recipient", flat=True)) == [manager.pk]
    assert claimed(c) == []  # no claim left behind for the next tick


def test_a_campaign_closed_since_the_claim_sends_nothing(manager):
    c = campaign(manager)
    send_due_reminders(now=LAUNCH)
    c.status = "closed"
    c.save(update_fields=["status"])
    assert run_claimed(LAUNCH) == 0
    assert claimed(c) == []


def test_the_claimed_are_handed_out_in_batches(manager, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(reminders, "CLAIM_BATCH", 2)
    sent = []
    monkeypatch.setattr(reminders, "enqueue", lambda task, args: sent.append((task, args)))
    c = campaign(manager)
    people = [manager] + [UserFactory() for _ in range(4)]
    for person in people[1:]:
        campaign_with_items(1, reviewer=person, campaign=c)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(now=LAUNCH) == 5
    ids = sorted(p.pk for p in people)
    now = LAUNCH.isoformat()
    assert sent == [(reminders.SEND_TASK, [c.pk, now, batch]) for batch in (ids[:2], ids[2:4], ids[4:])]


def test_a_batch_the_broker_refused_is_handed_out_again_at_the_next_tick(
    manager, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(reminders, "enqueue", lambda task, args: False)  # the broker is down
    c = campaign(manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_reminders(now=LAUNCH) == 1
    assert claimed(c) == [manager.pk]  # still claimed, but released
    assert send_due_reminders(now=LAUNCH + datetime.timedelta(minutes=5)) == 1  # the next tick hands it out
    assert run_claimed(LAUNCH) == 1
    assert reminders_for(manager).count() == 1
