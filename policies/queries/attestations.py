"""Reads of a person's side of policies: what they must still read and acknowledge ("My policies"), the
assignment they complete, what they acknowledged and attested (their history), and who may see that.

A person's assignment page is theirs alone. Their history (acknowledgements, attestations with every answer,
files) is read by the person, their manager, security officers and auditors; anyone else gets a 404, so
nobody learns who works here through it. An answer's file is served to the same people.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from dpms.models import User
from policies.choices import AssignmentStatus, CampaignStatus
from policies.models import Acknowledgement, Answer, Assignment, AttestationQuestion, Policy, PolicyVersion
from policies.queries.documents import policies_applying_to


def pending_assignments(user) -> QuerySet[Assignment]:
    """``user``'s assignments still to do in open campaigns, soonest due first, with their policy and
    version (one query)."""
    return (
        Assignment.objects.filter(
            person=user.pk, status=AssignmentStatus.PENDING, campaign__status=CampaignStatus.OPEN
        )
        .select_related("campaign__policy", "campaign__version")
        .order_by("campaign__due_at", "pk")
    )


def my_policies(user, *, today: datetime.date) -> QuerySet[Policy]:
    """The policies that apply to ``user``, each with its version in force (``current_id``,
    ``current_number``, ``current_effective``), whether they acknowledged it (``acknowledged``), the newest
    version they acknowledged (``last_acknowledged``) and the next version already published but not yet
    in force (``next_number``, ``next_effective``). One query."""
    versions = PolicyVersion.objects.filter(policy=OuterRef("pk"))
    in_force = versions.filter(effective_date__lte=today).order_by("-number")
    upcoming = versions.filter(effective_date__gt=today).order_by("number")
    mine = Acknowledgement.objects.filter(person=user.pk, version__policy=OuterRef("pk")).order_by(
        "-version__number"
    )
    return (
        policies_applying_to(user)
        .select_related("owner")
        .annotate(
            current_id=Subquery(in_force.values("pk")[:1]),
            current_number=Subquery(in_force.values("number")[:1]),
            current_effective=Subquery(in_force.values("effective_date")[:1]),
            next_number=Subquery(upcoming.values("number")[:1]),
            next_effective=Subquery(upcoming.values("effective_date")[:1]),
            last_acknowledged=Subquery(mine.values("version__number")[:1]),
        )
        .annotate(
            acknowledged=Exists(
                Acknowledgement.objects.filter(person=user.pk, version_id=OuterRef("current_id"))
            )
        )
        .order_by("title", "pk")
    )


def get_assignment_for_person(user, pk) -> Assignment:
    """The assignment ``pk`` if it is ``user``'s own (404 otherwise: nobody else completes it)."""
    assignment = (
        Assignment.objects.select_related(
            "campaign__policy", "campaign__version", "person", "person__manager"
        )
        .filter(pk=pk, person=user.pk)
        .first()
    )
    if assignment is None or not user.is_active:
        raise Http404("No such assignment.")
    return assignment


def may_still_answer(assignment: Assignment) -> bool:
    """An assignment takes its answers while it is pending and its campaign open."""
    return assignment.status == AssignmentStatus.PENDING and assignment.campaign.status == CampaignStatus.OPEN


def campaign_questions(campaign) -> QuerySet[AttestationQuestion]:
    """A campaign's own questions (copied from the policy at launch), in order."""
    return AttestationQuestion.objects.filter(campaign=campaign).order_by("position", "pk")


def answers_of(assignment: Assignment) -> QuerySet[Answer]:
    return assignment.answers.select_related("question", "follow_up").order_by("question__position", "pk")


def pending_assignments_for_version(person, version: PolicyVersion) -> QuerySet[Assignment]:
    """``person``'s pending assignments of ``version`` in open campaigns (acknowledging the version from
    its page completes those that ask no questions)."""
    return Assignment.objects.filter(
        person=person.pk,
        status=AssignmentStatus.PENDING,
        campaign__status=CampaignStatus.OPEN,
        campaign__version=version,
    )


# --- A person's history -----------------------------------------------------------------------------------


def may_read_history(user, person) -> bool:
    """The person, their manager, security officers and auditors read what the person acknowledged and
    attested."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == person.pk or (person.manager_id is not None and person.manager_id == user.pk):
        return True
    return bool(user.is_security_officer or user.is_auditor)


def get_person_for_history(user, pk) -> User:
    """The person ``pk`` whose history ``user`` may read; 404 otherwise."""
    person = User.objects.select_related("team", "manager").filter(pk=pk).first()
    if person is None or not may_read_history(user, person):
        raise Http404("No such person.")
    return person


def acknowledgements_of(person) -> QuerySet[Acknowledgement]:
    """Every version ``person`` acknowledged, newest first, with its policy and the campaign it was for."""
    return (
        Acknowledgement.objects.filter(person=person.pk)
        .select_related("version__policy", "assignment__campaign")
        .order_by("-acknowledged_at", "-pk")
    )


def attestations_of(person) -> QuerySet[Assignment]:
    """``person``'s completed assignments, newest first, each with its answers (question, follow-up): two
    queries for a page, whatever its size."""
    answers = Answer.objects.select_related("question", "follow_up").order_by("question__position", "pk")
    return (
        Assignment.objects.filter(person=person.pk, status=AssignmentStatus.DONE)
        .select_related("campaign__policy", "campaign__version")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("-done_at", "-pk")
    )


# --- Files ------------------------------------------------------------------------------------------------


def get_answer_file_for_download(user, pk) -> Answer:
    """An answer's file, for the person who gave it, their manager (then or now), security officers and
    auditors; 404 for anyone else and for an answer without a file, so nobody learns that it exists."""
    answer = Answer.objects.select_related("assignment__person").filter(pk=pk).exclude(file="").first()
    if answer is None:
        raise Http404("No such file.")
    person = answer.assignment.person
    if not (
        may_read_history(user, person) or (user.is_authenticated and answer.assignment.manager_id == user.pk)
    ):
        raise Http404("No such file.")
    return answer
