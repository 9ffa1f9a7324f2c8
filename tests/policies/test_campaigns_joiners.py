"""New joiners get the policies that apply to them within POLICY_JOINER_DAYS; leavers are excused."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from dpms.models import AuditEvent
from policies.choices import AssignmentStatus, Audience, CampaignKind
from policies.models import Assignment, PolicyCampaign
from policies.services.campaigns import (
    campaign_launch,
    launch_joiner_campaigns,
    on_person_joined,
    on_person_left,
)
from tests.factories import TeamFactory, UserFactory
from tests.policies.campaigns_support import LONG_AGO, people, policy_in_force

pytestmark = pytest.mark.django_db
NOW = timezone.now()
DAYS = settings.POLICY_JOINER_DAYS


def joined(days_ago: float, **kwargs):
    return UserFactory(date_joined=NOW - datetime.timedelta(days=days_ago), **kwargs)


def test_a_joiner_gets_the_campaign_within_the_window():
    policy = policy_in_force()
    people(2)  # joined long ago: not joiners
    newcomer = joined(1)
    assert launch_joiner_campaigns(now=NOW) == 1
    campaign = PolicyCampaign.objects.get(kind=CampaignKind.JOINER)
    assert campaign.policy == policy
    assert campaign.period_key == f"joiners-{timezone.localdate(NOW).isoformat()}"
    assert list(campaign.assignments.values_list("person", flat=True)) == [newcomer.pk]
    assert campaign.due_at == newcomer.date_joined + datetime.timedelta(days=DAYS)
    assert campaign.due_at <= newcomer.date_joined + datetime.timedelta(days=DAYS)  # within the window
    assert campaign.population_count == 1
    assert launch_joiner_campaigns(now=NOW) == 0  # once


def test_a_joiner_seen_late_still_gets_three_days():
    policy_in_force()
    late = joined(DAYS - 1)
    launch_joiner_campaigns(now=NOW)
    campaign = Assignment.objects.get(person=late).campaign
    assert campaign.due_at == NOW + datetime.timedelta(days=3)


def test_someone_who_joined_before_the_window_is_not_a_joiner():
    policy_in_force()
    joined(DAYS + 1)
    assert launch_joiner_campaigns(now=NOW) == 0
    assert not PolicyCampaign.objects.exists()


def test_joiners_of_one_day_share_one_campaign_per_policy():
    first, second = policy_in_force(), policy_in_force()
    a = joined(0.5)
    launch_joiner_campaigns(now=NOW)
    b = joined(0.1)
    launch_joiner_campaigns(now=NOW)
    for policy in (first, second):
        campaign = PolicyCampaign.objects.get(policy=policy)
        assert set(campaign.assignments.values_list("person", flat=True)) == {a.pk, b.pk}
        assert campaign.population_count == 2
    assert AuditEvent.objects.filter(action="policy.campaign.joiners_added").count() == 2


def test_a_joiner_already_asked_in_an_open_campaign_is_not_asked_again(security_officer):
    policy = policy_in_force()
    newcomer = joined(0.5)
    campaign_launch(actor=security_officer, policy=policy)
    launch_joiner_campaigns(now=NOW)
    assert Assignment.objects.filter(person=newcomer).count() == 1
    assert not PolicyCampaign.objects.filter(kind=CampaignKind.JOINER).exists()


def test_only_policies_whose_audience_they_are_in():
    finance = TeamFactory(name="Finance")
    for_finance = policy_in_force(audience=Audience.TEAMS)
    for_finance.teams.add(finance)
    other = joined(1, team=TeamFactory(name="Sales"))
    launch_joiner_campaigns(now=NOW)
    assert not Assignment.objects.filter(person=other).exists()


def test_the_listener_gives_a_new_person_their_policies_at_once():
    policy = policy_in_force()
    newcomer = UserFactory()  # joined now
    assert on_person_joined(user=newcomer, actor=None) == 1
    assignment = Assignment.objects.get(person=newcomer)
    assert assignment.campaign.policy == policy
    assert assignment.campaign.kind == CampaignKind.JOINER
    assert launch_joiner_campaigns(now=timezone.now()) == 0  # the tick finds nothing left to do
    assert on_person_joined(user=UserFactory(date_joined=LONG_AGO), actor=None) == 0


def test_a_leaver_is_excused_from_what_they_still_owed(security_officer, staff, manager):
    policy = policy_in_force()
    campaign = campaign_launch(actor=security_officer, policy=policy)
    Assignment.objects.filter(campaign=campaign, person=manager).update(status=AssignmentStatus.DONE)
    assert on_person_left(user=staff, actor=security_officer) == 1
    assert campaign.assignments.get(person=staff).status == AssignmentStatus.EXCUSED
    assert on_person_left(user=manager, actor=security_officer) == 0  # nothing pending: nothing to excuse
    event = AuditEvent.objects.get(action="policy.assignment.excuse")
    assert event.changes["reason"] == "left"
