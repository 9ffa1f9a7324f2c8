"""seed_demo adds the policies demo through the app's own services: two policies (the first in two versions
with a change summary and four questions), an open campaign of its version in force with about half done,
"no" answers each with its follow-up (the earliest past due), and the demo staff login still to do it; a
second run changes nothing."""

import pytest
from django.utils import timezone

from dpms.models import AuditEvent
from policies.choices import AssignmentStatus, Audience, CampaignStatus, FollowUpStatus, QuestionKind
from policies.demo import ACCEPTABLE_USE, CONFIDENTIALITY, DEMO_STAFF
from policies.models import Acknowledgement, Answer, Assignment, FollowUp, Policy, PolicyCampaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo):
    return demo.output


def test_two_policies_the_first_in_two_versions_with_its_questions(seeded):
    policy = Policy.objects.get(title=ACCEPTABLE_USE)
    assert policy.audience == Audience.EVERYONE
    assert [v.number for v in policy.versions.order_by("number")] == [1, 2]
    assert policy.versions.get(number=2).change_summary
    kinds = list(policy.questions.order_by("position").values_list("kind", "required"))
    assert kinds == [
        (QuestionKind.YES_NO, True),
        (QuestionKind.YES_NO, True),
        (QuestionKind.TEXT, True),
        (QuestionKind.FILE, False),
    ]
    outside = Policy.objects.get(title=CONFIDENTIALITY)
    assert outside.audience == Audience.TEAMS
    assert list(outside.teams.values_list("name", flat=True)) == ["Customer Support"]
    assert policy.next_run_at > timezone.now()  # the yearly round is not due at once


def test_an_open_campaign_with_answers_follow_ups_and_the_demo_staff_to_do(seeded):
    campaign = PolicyCampaign.objects.get(policy__title=ACCEPTABLE_USE)
    assert campaign.status == CampaignStatus.OPEN
    assert campaign.version.number == 2
    done = campaign.assignments.filter(status=AssignmentStatus.DONE)
    assert 0.4 <= done.count() / campaign.population_count <= 0.6
    assert Acknowledgement.objects.filter(version=campaign.version).count() == done.count()
    staff = Assignment.objects.get(campaign=campaign, person__full_name=DEMO_STAFF)
    assert staff.status == AssignmentStatus.PENDING
    noes = Answer.objects.filter(assignment__campaign=campaign, yes=False)
    assert noes.count() == FollowUp.objects.filter(status=FollowUpStatus.OPEN).count() >= 2
    assert all(answer.explanation for answer in noes)
    assert FollowUp.objects.filter(due_at__lt=timezone.now()).exists()  # one is overdue
    assert "Policies: 2 demo policies" in seeded


def test_a_second_run_changes_nothing(demo):
    before = (Policy.objects.count(), Assignment.objects.count(), AuditEvent.objects.count())
    assert "nothing changed" in demo.seed()
    assert (Policy.objects.count(), Assignment.objects.count(), AuditEvent.objects.count()) == before
