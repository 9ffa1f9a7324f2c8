"""Review reminders: 14 days before, on the day, weekly while overdue; digests, never twice, caught up after
downtime, and "the day" is the owner's."""

import datetime

import pytest

from dpms.models import Notification, OutboxEmail
from risk.choices import RiskStatus
from risk.models import Risk, RiskMatrix
from risk.services.reviews import remind_due_reviews
from tests.factories import UserFactory
from tests.risk.factories import RiskFactory, RiskMatrixFactory

pytestmark = pytest.mark.django_db
DUE = datetime.date(2026, 6, 10)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """An instant on ``day``; 10:00 UTC is the same date in Europe/Berlin (the owners' default zone)."""
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def reminders_for(person):
    return Notification.objects.filter(recipient=person, dedup_key__startswith="risk-review:")


@pytest.fixture(autouse=True)
def _factory_matrix(db):
    """The factories' 5×5 (level = (likelihood + impact) // 2) active instead of the shipped preset."""
    RiskMatrix.objects.filter(is_active=True).update(is_active=False)
    return RiskMatrixFactory(name="Review test 5×5", is_active=True)


def test_owner_is_reminded_14_days_before_on_the_day_and_weekly_while_overdue():
    risk = RiskFactory(next_review_on=DUE)
    sent = {offset: remind_due_reviews(now=at(DUE + days(offset))) for offset in range(-20, 23)}
    assert [offset for offset, count in sent.items() if count] == [-14, 0, 7, 14, 21]
    notes = list(reminders_for(risk.owner).order_by("pk").values_list("body", flat=True))
    assert ["due in 14 days" in notes[0], "due today" in notes[1], "overdue by 7 days" in notes[2]] == [
        True
    ] * 3
    assert all(risk.reference in body for body in notes)
    assert OutboxEmail.objects.filter(recipient=risk.owner).count() == 5


def test_no_reminder_on_day_8_of_being_overdue():
    RiskFactory(next_review_on=DUE, review_reminded_on=DUE + days(7))
    assert remind_due_reviews(now=at(DUE + days(8))) == 0


def test_the_tick_run_twice_sends_each_step_once():
    risk = RiskFactory(next_review_on=DUE)
    for offset in (-14, 0, 7):
        assert remind_due_reviews(now=at(DUE + days(offset))) == 1
        assert remind_due_reviews(now=at(DUE + days(offset), hour=11)) == 0
    assert reminders_for(risk.owner).count() == 3


def test_one_digest_per_owner_lists_all_their_risks_of_the_day():
    owner, other = UserFactory(), UserFactory()
    first = RiskFactory(owner=owner, next_review_on=DUE)
    second = RiskFactory(owner=owner, next_review_on=DUE - days(14))  # overdue by 14 days that day
    RiskFactory(owner=other, next_review_on=DUE)
    assert remind_due_reviews(now=at(DUE)) == 2
    note = reminders_for(owner).get()
    assert note.subject == "Risk reviews due (2 items)"
    assert first.reference in note.body
    assert second.reference in note.body
    assert OutboxEmail.objects.filter(recipient=owner).count() == 1


def test_after_days_of_downtime_only_the_latest_step_is_sent_once():
    risk = RiskFactory(next_review_on=DUE)
    # The tick was down from 20 days before until 3 days after the review date: the "14 days before" and
    # the "on the day" steps passed while it was down; only the latest (the day itself) is sent, once.
    assert remind_due_reviews(now=at(DUE + days(3))) == 1
    assert remind_due_reviews(now=at(DUE + days(5))) == 0
    note = reminders_for(risk.owner).get()
    assert "overdue by 3 days" in note.body
    risk.refresh_from_db()
    assert risk.review_reminded_on == DUE
    assert remind_due_reviews(now=at(DUE + days(7))) == 1  # the next weekly step comes as usual


def test_a_step_whose_day_passed_while_down_is_caught_up_before_the_next_one():
    risk = RiskFactory(next_review_on=DUE)
    assert remind_due_reviews(now=at(DUE - days(10))) == 1  # the "14 days before" step, four days late
    assert "due in 10 days" in reminders_for(risk.owner).get().body
    assert remind_due_reviews(now=at(DUE - days(9))) == 0


def test_the_owners_time_zone_decides_which_day_it_is():
    due = datetime.date(2026, 3, 11)
    reminded = due - days(14)
    auckland = RiskFactory(owner=UserFactory(time_zone="Pacific/Auckland"), next_review_on=due)
    los_angeles = RiskFactory(owner=UserFactory(time_zone="America/Los_Angeles"), next_review_on=due)
    Risk.objects.update(review_reminded_on=reminded)
    instant = datetime.datetime(
        2026, 3, 10, 12, 0, tzinfo=datetime.UTC
    )  # 11 Mar 01:00 NZDT, 10 Mar 05:00 PDT
    assert remind_due_reviews(now=instant) == 1
    assert "due today" in reminders_for(auckland.owner).get().body
    assert not reminders_for(los_angeles.owner).exists()
    assert remind_due_reviews(now=instant + datetime.timedelta(hours=20)) == 1  # 11 Mar 01:00 PDT
    assert "due today" in reminders_for(los_angeles.owner).get().body


def test_closed_and_draft_risks_and_departed_owners_are_not_reminded():
    RiskFactory(next_review_on=DUE, status=RiskStatus.CLOSED)
    RiskFactory(next_review_on=DUE, status=RiskStatus.DRAFT)
    RiskFactory(next_review_on=DUE, owner=UserFactory(is_active=False))
    assert remind_due_reviews(now=at(DUE)) == 0
    assert not Notification.objects.exists()


def test_a_new_review_date_after_a_review_gets_its_own_steps():
    risk = RiskFactory(next_review_on=DUE)
    remind_due_reviews(now=at(DUE))
    Risk.objects.filter(pk=risk.pk).update(next_review_on=DUE + days(180))
    assert remind_due_reviews(now=at(DUE + days(7))) == 0
    assert remind_due_reviews(now=at(DUE + days(166))) == 1
