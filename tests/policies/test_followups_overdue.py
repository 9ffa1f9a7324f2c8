"""The tick step telling the security officers about overdue follow-ups: each once, by due day; resolved ones
never named; a late tick catches up."""

import datetime

import pytest
from django.utils import timezone

from dpms.models import Notification
from policies.choices import FollowUpStatus
from policies.services.followups import remind_overdue_follow_ups
from tests.factories import UserFactory
from tests.policies.factories import FollowUpFactory

pytestmark = pytest.mark.django_db


def digests_for(person):
    return Notification.objects.filter(recipient=person, dedup_key__startswith="policy-follow-ups-overdue:")


def test_each_overdue_follow_up_goes_to_the_officers_once(security_officer, staff):
    now = timezone.now()
    late = FollowUpFactory(answer__assignment__person=staff, due_at=now - datetime.timedelta(hours=2))
    FollowUpFactory(due_at=now + datetime.timedelta(days=3))  # not due yet
    second_officer = UserFactory(roles=["security officer"])
    assert remind_overdue_follow_ups(now=now) == 2
    assert remind_overdue_follow_ups(now=now) == 0  # the same tick again: nothing new
    assert remind_overdue_follow_ups(now=now + datetime.timedelta(hours=3)) == 0  # later the same day
    for officer in (security_officer, second_officer):
        (note,) = digests_for(officer)
        assert late.answer.question.text in note.body
        assert staff.full_name in note.body
    assert not digests_for(staff).exists()


def test_a_follow_up_going_overdue_on_a_later_day_is_a_new_digest(security_officer):
    now = timezone.now()
    FollowUpFactory(due_at=now - datetime.timedelta(days=2))
    assert remind_overdue_follow_ups(now=now) == 1
    FollowUpFactory(due_at=now + datetime.timedelta(days=1))
    assert remind_overdue_follow_ups(now=now + datetime.timedelta(days=2)) == 1
    assert digests_for(security_officer).count() == 2


def test_resolved_follow_ups_are_never_named(security_officer):
    now = timezone.now()
    FollowUpFactory(due_at=now - datetime.timedelta(hours=1), status=FollowUpStatus.RESOLVED)
    assert remind_overdue_follow_ups(now=now) == 0
    assert not digests_for(security_officer).exists()


def test_a_quiet_tick_costs_one_query(security_officer, django_assert_num_queries):
    FollowUpFactory(due_at=timezone.now() + datetime.timedelta(days=1))
    with django_assert_num_queries(1):  # the overdue follow-ups of the last days: none
        assert remind_overdue_follow_ups(now=timezone.now()) == 0
