"""The demo's policies obey the rules a person faces: every seeded policy passes the settings' validation,
every completed assignment's answers pass the attestation's (a "no" has its reason, required answers are
there), every "no" has its follow-up due after the policy's follow-up days, and every campaign asks a version
that was in force when it launched."""

import datetime

import pytest

from policies.choices import AssignmentStatus
from policies.models import Assignment, FollowUp, Policy, PolicyCampaign
from policies.services.attestations import Reply, validate_replies
from policies.services.documents import validate_policy_settings
from tests.demo_rules import refusals

pytestmark = pytest.mark.django_db


def set_up(policy):
    validate_policy_settings(
        title=policy.title,
        audience=policy.audience,
        teams=list(policy.teams.all()),
        portal_roles=policy.portal_roles,
        duration_days=policy.duration_days,
        reminder_days_before_due=policy.reminder_days_before_due,
    )


def answered(assignment):
    replies = {
        answer.question_id: Reply(yes=answer.yes, explanation=answer.explanation, text=answer.text)
        for answer in assignment.answers.all()
    }
    validate_replies(list(assignment.campaign.questions.all()), replies)


def test_the_demo_policies_and_answers_obey_the_rules(demo):
    assert refusals(Policy.objects.all(), set_up) == []
    done = Assignment.objects.filter(status=AssignmentStatus.DONE).select_related("campaign")
    assert done.exists()
    assert refusals(done, answered) == []


def test_every_no_has_its_follow_up_and_every_campaign_a_version_in_force(demo):
    for follow_up in FollowUp.objects.select_related("answer__assignment__campaign__policy"):
        days = follow_up.answer.assignment.campaign.policy.follow_up_days
        assert follow_up.due_at == follow_up.created_at + datetime.timedelta(days=days)
        assert follow_up.answer.yes is False
    for campaign in PolicyCampaign.objects.select_related("version"):
        assert campaign.version.effective_date <= campaign.launched_at.date()
        assert campaign.launched_at < campaign.due_at
