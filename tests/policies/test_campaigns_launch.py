"""Launching a campaign: who may, whom it asks (its population, counted and hashed), its own copy of the
questions, and whose earlier acknowledgement carries over (this version's only)."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dpms.models import AuditEvent, Notification
from policies.choices import AssignmentStatus, Audience, CampaignKind, CampaignStatus
from policies.models import Assignment, AttestationQuestion
from policies.services.campaigns import QuestionSpec, campaign_launch, population
from tests.factories import TeamFactory, UserFactory
from tests.policies.campaigns_support import acknowledge, new_version, people, policy_in_force
from tests.policies.factories import AssignmentFactory, CampaignFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def test_a_security_officer_launches_and_everyone_active_is_assigned(security_officer, staff, manager):
    policy = policy_in_force(questions=2)
    gone = UserFactory(is_active=False)
    campaign = campaign_launch(actor=security_officer, policy=policy)
    assert campaign.status == CampaignStatus.OPEN
    assert campaign.kind == CampaignKind.ADHOC
    assert campaign.version.number == 1
    assigned = set(campaign.assignments.values_list("person_id", flat=True))
    assert {security_officer.pk, staff.pk, manager.pk, policy.owner_id} <= assigned
    assert gone.pk not in assigned
    row = campaign.assignments.get(person=staff)
    assert (row.person_label, row.team_name, row.manager) == (
        "Sam Staff <sam.staff@example.com>",
        "Finance",
        manager,
    )
    assert row.status == AssignmentStatus.PENDING
    assert campaign.due_at == campaign.launched_at + datetime.timedelta(days=policy.duration_days)
    assert Notification.objects.count() == 0  # the launch reminder step tells people, at the next tick


def test_population_count_and_hash_are_of_the_sorted_person_lines(security_officer):
    policy = policy_in_force()
    people(3)
    campaign = campaign_launch(actor=security_officer, policy=policy)
    lines = sorted(
        f"{pk},{label}" for pk, label in campaign.assignments.values_list("person_id", "person_label")
    )
    assert campaign.population_count == len(lines) == population(policy).count()
    assert campaign.population_sha256 == hashlib.sha256("\n".join(lines).encode()).hexdigest()
    event = AuditEvent.objects.get(action="policy.campaign.launch")
    assert event.changes["population_sha256"] == campaign.population_sha256
    assert event.changes["population_count"] == campaign.population_count


def test_audience_of_teams_and_of_roles(security_officer, auditor, admin_user, staff, outsider):
    by_team = policy_in_force(audience=Audience.TEAMS)
    by_team.teams.add(TeamFactory(name="Finance"))
    assert set(population(by_team)) == {staff, staff.manager}
    by_role = policy_in_force(audience=Audience.ROLES, portal_roles=["auditor", "security officer"])
    assert set(population(by_role)) == {security_officer, auditor}
    root = UserFactory(is_superuser=True)  # an admin by the flag, without the group
    for_admins = policy_in_force(audience=Audience.ROLES, portal_roles=["admin"])
    assert set(population(for_admins)) == {admin_user, root}


def test_only_a_security_officer_launches(staff, auditor):
    policy = policy_in_force()
    for person in (staff, auditor, None):
        with pytest.raises(ValidationError):
            campaign_launch(actor=person, policy=policy)


def test_no_version_in_force_no_campaign(security_officer):
    policy = policy_in_force()
    policy.versions.update(effective_date=timezone.localdate() + datetime.timedelta(days=5))
    with pytest.raises(ValidationError, match="no version in force"):
        campaign_launch(actor=security_officer, policy=policy)


def test_a_second_campaign_of_the_same_version_waits_for_the_first_to_close(security_officer):
    policy = policy_in_force()
    campaign_launch(actor=security_officer, policy=policy)
    with pytest.raises(ValidationError, match="still open"):
        campaign_launch(actor=security_officer, policy=policy)


def test_the_campaign_asks_its_own_copy_of_the_questions(security_officer):
    policy = policy_in_force(questions=2)
    campaign = campaign_launch(actor=security_officer, policy=policy)
    asked = list(AttestationQuestion.objects.filter(campaign=campaign).values_list("text", flat=True))
    assert asked == ["I follow rule 1.", "I follow rule 2."]
    AttestationQuestion.objects.filter(policy=policy).update(text="Changed later.")
    assert list(campaign.questions.values_list("text", flat=True)) == asked
    new = policy_in_force()
    given = campaign_launch(
        actor=security_officer,
        policy=new,
        questions=[
            QuestionSpec("My laptop's disk is encrypted."),
            {"text": "Anything else?", "kind": "text"},
        ],
    )
    assert list(given.questions.values_list("text", "kind")) == [
        ("My laptop's disk is encrypted.", "yes_no"),
        ("Anything else?", "text"),
    ]


def test_acknowledging_an_old_version_does_not_count_for_the_new_one(security_officer, staff, manager):
    policy = policy_in_force(questions=0)
    v1 = policy.versions.get()
    acknowledge(staff, v1)
    v2 = new_version(policy)
    acknowledge(manager, v2)
    campaign = campaign_launch(actor=security_officer, policy=policy)
    assert campaign.version == v2
    assert campaign.assignments.get(person=staff).status == AssignmentStatus.PENDING
    carried = campaign.assignments.get(person=manager)
    assert carried.status == AssignmentStatus.DONE
    assert carried.done_at is not None
    assert AuditEvent.objects.get(action="policy.campaign.launch").changes["done_at_launch"] == 1


def test_with_questions_an_acknowledgement_carries_over_only_with_its_answers(
    security_officer, staff, manager, second_report
):
    policy = policy_in_force(questions=1)
    version = policy.versions.get()
    asked = CampaignFactory(version=version, status=CampaignStatus.CLOSED)
    QuestionFactory(policy=None, campaign=asked)
    answered = AssignmentFactory(campaign=asked, person=manager, status=AssignmentStatus.DONE)
    acknowledge(manager, version, assignment=answered)
    acknowledge(staff, version)  # acknowledged from the library, never answered any question
    # Acknowledged from the library first, answered a campaign's questions later: carries over too.
    acknowledge(second_report, version)
    AssignmentFactory(campaign=asked, person=second_report, status=AssignmentStatus.DONE)
    campaign = campaign_launch(actor=security_officer, policy=policy)
    assert campaign.assignments.get(person=manager).status == AssignmentStatus.DONE
    assert campaign.assignments.get(person=second_report).status == AssignmentStatus.DONE
    assert campaign.assignments.get(person=staff).status == AssignmentStatus.PENDING
    assert Assignment.objects.filter(campaign=campaign).count() == campaign.population_count


def test_without_questions_any_acknowledgement_of_the_version_carries_over(security_officer, staff):
    policy = policy_in_force(questions=0)
    acknowledge(staff, policy.versions.get())
    campaign = campaign_launch(actor=security_officer, policy=policy)
    assert campaign.assignments.get(person=staff).status == AssignmentStatus.DONE
