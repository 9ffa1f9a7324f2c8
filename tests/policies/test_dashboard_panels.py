"""The policies app's dashboard panels: what to acknowledge (everyone with something pending), the
acknowledged share per policy and the open "no" answers (officers and auditors), each at a fixed query count
whatever the data size."""

import datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from policies.choices import AssignmentStatus
from policies.views import dashboard
from tests.factories import UserFactory
from tests.policies.factories import (
    AcknowledgementFactory,
    AssignmentFactory,
    CampaignFactory,
    FollowUpFactory,
    PolicyVersionFactory,
)

pytestmark = pytest.mark.django_db


def request_for(user):
    request = RequestFactory().get("/dashboard/")
    request.user = user
    return request


def test_what_to_acknowledge_lists_the_persons_pending_policies(staff):
    assert dashboard.to_acknowledge_panel(request_for(staff)) is None
    overdue = CampaignFactory(
        due_at=timezone.now() - datetime.timedelta(days=1), version__policy__title="Old"
    )
    mine = AssignmentFactory(person=staff, campaign=overdue)
    AssignmentFactory(person=staff, status=AssignmentStatus.DONE)
    panel = dashboard.to_acknowledge_panel(request_for(staff))
    assert [line["link"] for line in panel["lines"]] == [reverse("policies:assignment", args=[mine.pk])]
    assert "overdue since" in panel["lines"][0]["text"]
    assert panel["link"] == reverse("policies:mine")


def test_the_officer_panels_are_for_officers_and_auditors(staff, manager, auditor, security_officer):
    FollowUpFactory()
    for person in (staff, manager):
        assert dashboard.open_no_answers_panel(request_for(person)) is None
        assert dashboard.acknowledged_share_panel(request_for(person)) is None
    for person in (auditor, security_officer):
        assert dashboard.open_no_answers_panel(request_for(person))["count"] == 1


def test_the_share_counts_the_version_in_force_only(auditor, staff, second_report):
    v1 = PolicyVersionFactory(policy__title="Acceptable use")
    old = CampaignFactory(version=v1)
    for person in (staff, second_report):
        AssignmentFactory(campaign=old, person=person, status=AssignmentStatus.DONE)
        AcknowledgementFactory(person=person, version=v1)
    v2 = PolicyVersionFactory(policy=v1.policy, number=2)
    current = CampaignFactory(version=v2)
    AssignmentFactory(campaign=current, person=staff)
    AssignmentFactory(campaign=current, person=second_report, status=AssignmentStatus.DONE)
    AcknowledgementFactory(person=second_report, version=v2)
    panel = dashboard.acknowledged_share_panel(request_for(auditor))
    (row,) = panel["rows"]
    assert (row["version_number"], row["asked"], row["acknowledged"], row["percent"]) == (2, 2, 1, 50)
    (bar,) = panel["chart"].bars
    assert bar.value == 50
    assert bar.link == reverse("policies:version_acknowledgements", args=[v1.policy_id, 2])


def test_the_open_no_answers_count_the_overdue(auditor):
    FollowUpFactory(due_at=timezone.now() - datetime.timedelta(hours=1))
    FollowUpFactory()
    panel = dashboard.open_no_answers_panel(request_for(auditor))
    assert panel["count"] == 2
    assert [line["text"] for line in panel["lines"]] == ["2 open", "1 overdue"]


@pytest.mark.parametrize("size", [2, 15])
def test_each_panel_costs_the_same_at_any_size(security_officer, size, django_assert_num_queries):
    people = [UserFactory(manager=UserFactory()) for _ in range(size)]
    for _n in range(3):
        campaign = CampaignFactory(version=PolicyVersionFactory())
        for person in people:
            AssignmentFactory(campaign=campaign, person=person, status=AssignmentStatus.DONE)
            AcknowledgementFactory(person=person, version=campaign.version)
        AssignmentFactory(campaign=campaign, person=security_officer)
        FollowUpFactory(answer__assignment__campaign=campaign)
    request = request_for(security_officer)
    assert request.user.is_security_officer  # the roles are read once per request (the page does it first)
    with django_assert_num_queries(1):  # the first of the person's pending assignments, with their policy
        assert len(dashboard.to_acknowledge_panel(request)["lines"]) == 3
    with django_assert_num_queries(1):  # the policies in force with their asked and acknowledged counts
        assert len(dashboard.acknowledged_share_panel(request)["rows"]) == 3
    with django_assert_num_queries(1):  # the open and the overdue counted together
        assert dashboard.open_no_answers_panel(request)["count"] == 3
