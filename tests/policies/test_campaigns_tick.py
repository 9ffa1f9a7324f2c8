"""The policies tick: yearly campaigns launch once a year and catch up after downtime with one campaign;
the due close; what the tick costs at two sizes."""

import datetime

import pytest
from django.utils import timezone

from policies.choices import CampaignKind, CampaignStatus
from policies.models import PolicyCampaign
from policies.services import campaigns as services
from policies.services.campaigns import campaign_launch
from policies.tasks import TICK_STEPS
from tests.factories import UserFactory
from tests.policies.campaigns_support import LONG_AGO, people, policy_in_force

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


def run_tick(now):
    return {step.__name__: step(now=now) for step in TICK_STEPS}


def test_a_yearly_policy_launches_when_due_and_moves_a_year_on():
    policy = policy_in_force(next_run_at=NOW - datetime.timedelta(hours=1))
    assert services.launch_due_campaigns(now=NOW) == 1
    campaign = PolicyCampaign.objects.get(policy=policy)
    assert (campaign.kind, campaign.period_key) == (CampaignKind.SCHEDULED, str(timezone.localdate(NOW).year))
    assert campaign.status == CampaignStatus.OPEN
    policy.refresh_from_db()
    assert policy.next_run_at == (NOW - datetime.timedelta(hours=1)).replace(year=NOW.year + 1)
    assert services.launch_due_campaigns(now=NOW) == 0


def test_after_downtime_of_years_one_campaign_catches_up():
    due = NOW - datetime.timedelta(days=3 * 365 + 10)
    policy = policy_in_force(next_run_at=due)
    assert services.launch_due_campaigns(now=NOW) == 1
    assert services.launch_due_campaigns(now=NOW) == 0
    assert PolicyCampaign.objects.filter(policy=policy).count() == 1
    policy.refresh_from_db()
    assert NOW < policy.next_run_at <= NOW + datetime.timedelta(days=366)
    assert (policy.next_run_at.month, policy.next_run_at.day) == (due.month, due.day)


def test_not_yearly_or_archived_or_not_in_force_does_not_launch():
    policy_in_force(next_run_at=NOW - datetime.timedelta(days=1), yearly=False)
    policy_in_force(next_run_at=NOW - datetime.timedelta(days=1), archived=True)
    waiting = policy_in_force(next_run_at=NOW - datetime.timedelta(days=1))
    waiting.versions.update(effective_date=timezone.localdate(NOW) + datetime.timedelta(days=2))
    assert services.launch_due_campaigns(now=NOW) == 0
    assert not PolicyCampaign.objects.exists()
    # Stays due: it launches once its first version comes into force.
    assert services.launch_due_campaigns(now=NOW + datetime.timedelta(days=3)) == 1


def test_the_tick_closes_a_campaign_at_its_close_date(security_officer):
    policy = policy_in_force(escalate_after_overdue_days=2)
    launch = NOW - datetime.timedelta(days=20)
    campaign = campaign_launch(
        actor=security_officer, policy=policy, now=launch, due_at=launch + datetime.timedelta(days=14)
    )
    assert campaign.closes_at == campaign.due_at + datetime.timedelta(days=4)
    assert services.close_due_campaigns(now=campaign.closes_at - datetime.timedelta(minutes=1)) == 0
    assert services.close_due_campaigns(now=NOW) == 1
    campaign.refresh_from_db()
    assert (campaign.status, campaign.closed_by) == (CampaignStatus.CLOSED, None)
    assert campaign.evidence_sha256


@pytest.mark.parametrize("size", [3, 30])
def test_a_quiet_tick_costs_the_same_queries_at_any_size(size, security_officer, django_assert_num_queries):
    people(size)
    launch = NOW - datetime.timedelta(days=1)
    campaign_launch(
        actor=security_officer,
        policy=policy_in_force(),
        now=launch,
        due_at=launch + datetime.timedelta(days=14),
    )
    run_tick(NOW)  # the launch reminders go out
    # Nothing new: the yearly policies due (1); the policies with a version in force (1) and, for the one
    # policy, whether anyone joined who was never asked (1); the open campaigns (1), per campaign a
    # savepoint (2), locking it (1) and the people not yet told of this step (1); the campaigns overdue (1);
    # the campaigns to close (1); the follow-ups gone overdue (1).
    with django_assert_num_queries(11):
        done = run_tick(NOW)
    assert set(done.values()) == {0}


@pytest.mark.parametrize("size", [3, 30])
def test_the_first_reminder_costs_the_same_queries_at_any_size(
    size, security_officer, django_assert_num_queries
):
    people(size)
    launch = NOW - datetime.timedelta(days=1)
    campaign_launch(
        actor=security_officer,
        policy=policy_in_force(),
        now=launch,
        due_at=launch + datetime.timedelta(days=14),
    )
    # The open campaigns (1); per campaign a savepoint (2), locking it (1), claiming the people (1), what they
    # owe (1) and who they are (1); the digests: the keys used before (1), in a savepoint (2), the
    # notifications (1), who takes policy reminders in the app only (1) and the emails (1).
    with django_assert_num_queries(13):
        assert services.send_due_reminders(now=NOW) >= size


def test_a_run_due_on_new_years_eve_and_reached_on_new_years_day_is_that_years():
    eve = datetime.datetime(2026, 12, 31, 22, 0, tzinfo=datetime.UTC)
    policy = policy_in_force(next_run_at=eve)
    services.launch_due_campaigns(now=eve + datetime.timedelta(hours=12))  # the tick was down overnight
    services.launch_due_campaigns(now=datetime.datetime(2027, 12, 31, 23, 0, tzinfo=datetime.UTC))
    keys = sorted(PolicyCampaign.objects.filter(policy=policy).values_list("period_key", flat=True))
    assert keys == ["2026", "2027"]


@pytest.mark.parametrize("size", [2, 20])
def test_escalating_to_managers_costs_the_same_queries_at_any_size(
    size, security_officer, django_assert_num_queries
):
    for _ in range(size):
        people(1, manager=UserFactory(date_joined=LONG_AGO))  # each with a manager of their own
    launch = NOW - datetime.timedelta(days=30)
    due = launch + datetime.timedelta(days=14)
    campaign = campaign_launch(actor=security_officer, policy=policy_in_force(), now=launch, due_at=due)
    campaign.assignments.filter(person__manager__isnull=True).update(status="done")
    # The overdue campaigns (1); per campaign a savepoint (2), locking it (1), its pending assignments below
    # the level due (1), moving them to their managers (1), the audit event (a savepoint (2), the chain's
    # head (1), the event (1), the head moved on (1)), the moved ones with their managers (1); the digests:
    # the keys used before (1), in a savepoint (2), the notifications (1) and the emails (1).
    with django_assert_num_queries(17):
        assert services.escalate_overdue(now=due + datetime.timedelta(days=3)) == size


@pytest.mark.parametrize("size", [3, 30])
def test_closing_costs_the_same_queries_at_any_size(size, security_officer, django_assert_num_queries):
    people(size)
    launch = NOW - datetime.timedelta(days=30)
    due = launch + datetime.timedelta(days=14)
    campaign_launch(actor=security_officer, policy=policy_in_force(questions=2), now=launch, due_at=due)
    # The campaigns to close (1); per campaign a savepoint (2), locking it (1), pending to no response (1),
    # its questions (1), the old chunks gone (1), the assignments (1) with their answers (1), the chunk (1),
    # the counts by status (1), the campaign closed (1), the audit event (5) and its notifications settled
    # (1). A chunk per megabyte more, and two reads per 1,000 assignments.
    with django_assert_num_queries(18):
        assert services.close_due_campaigns(now=NOW) == 1
