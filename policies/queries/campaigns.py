"""Reads of acknowledgement campaigns: who a policy's campaigns ask (its population), who may launch, close
and read campaigns, a campaign's assignments and how far it got, and the evidence rows a close freezes.

Security officers launch and close campaigns; security officers and auditors read every campaign and its
evidence. A campaign someone may not read is a 404.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from dpms.models import PortalRole, User
from policies.choices import AssignmentStatus, Audience, CampaignStatus, FollowUpStatus
from policies.models import (
    Acknowledgement,
    Answer,
    Assignment,
    AttestationQuestion,
    FollowUp,
    Policy,
    PolicyCampaign,
    PolicyVersion,
)

# The version a campaign launched today asks people to acknowledge: the documents' rule, offered here too.
from policies.queries.documents import version_in_force as version_in_force


# --- Permissions -----------------------------------------------------------------------------------------
def may_launch_campaigns(user) -> bool:
    """Security officers launch a policy's campaign (yearly and joiners' campaigns launch by themselves)."""
    return bool(user.is_authenticated and user.is_active and user.is_security_officer)


def may_close_campaigns(user) -> bool:
    """Security officers close a campaign before its close date (the tick closes it then)."""
    return may_launch_campaigns(user)


def reads_campaigns(user) -> bool:
    """Security officers and auditors read every campaign, its assignments and its evidence."""
    return bool(user.is_authenticated and user.is_active and (user.is_security_officer or user.is_auditor))


def campaigns_for_user(user) -> QuerySet[PolicyCampaign]:
    """The campaigns ``user`` may read, with their policy and version."""
    if not reads_campaigns(user):
        return PolicyCampaign.objects.none()
    return PolicyCampaign.objects.select_related("policy", "version", "launched_by", "closed_by")


def get_campaign_for_user(user, pk) -> PolicyCampaign:
    """The campaign ``pk`` if ``user`` may read it, else 404."""
    campaign = campaigns_for_user(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


# --- The population --------------------------------------------------------------------------------------
def population(policy: Policy) -> QuerySet[User]:
    """The active people in ``policy``'s audience: everyone, the members of its teams, or the holders of its
    portal roles. No one else is left out (a policy for everyone asks the security officers too)."""
    people = User.objects.people().filter(is_active=True)
    if policy.audience == Audience.TEAMS:
        return people.filter(team__in=policy.teams.values("pk"))
    if policy.audience == Audience.ROLES:
        holders = Q(pk__in=[])
        for role in policy.portal_roles or []:
            holders |= Q(pk__in=User.objects.holding(role).values("pk"))
            if role == PortalRole.ADMIN:
                holders |= Q(is_superuser=True)  # an admin by the flag, as ``User.is_admin`` says
        return people.filter(holders)
    return people


def in_population(policy: Policy, person) -> bool:
    """Whether ``person`` is in ``policy``'s population now (one query)."""
    return population(policy).filter(pk=person.pk).exists()


def carried_over(version: PolicyVersion, *, with_questions: bool) -> QuerySet[Acknowledgement]:
    """The acknowledgements of ``version`` that count in a new campaign of it: every one when the campaign
    asks no required question; else those of people who also answered a campaign of this version that asked
    some (their assignment there done). An acknowledgement of another version never counts."""
    rows = Acknowledgement.objects.filter(version=version)
    if with_questions:
        answered = Assignment.objects.filter(
            person_id=OuterRef("person_id"),
            campaign__version=version,
            status=AssignmentStatus.DONE,
            campaign__questions__required=True,
        )
        rows = rows.filter(Exists(answered))
    return rows


def has_assignment_for(version: PolicyVersion) -> QuerySet[Assignment]:
    """Every assignment to acknowledge ``version``, in any campaign."""
    return Assignment.objects.filter(campaign__version=version)


# --- Reading campaigns -----------------------------------------------------------------------------------
def campaign_questions(campaign: PolicyCampaign) -> QuerySet[AttestationQuestion]:
    """The questions the campaign asks (copied at launch), in order."""
    return AttestationQuestion.objects.filter(campaign=campaign).order_by("position", "pk")


def pending_assignments(campaign: PolicyCampaign) -> QuerySet[Assignment]:
    return Assignment.objects.filter(campaign=campaign, status=AssignmentStatus.PENDING)


def status_counts(campaign: PolicyCampaign) -> dict[str, int]:
    """How many assignments are in each status (every status named, zeros included), one query."""
    counts = dict(
        Assignment.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("pk")).order_by()
    )
    return {status: counts.get(status, 0) for status in AssignmentStatus.values}


def open_campaigns() -> QuerySet[PolicyCampaign]:
    return PolicyCampaign.objects.filter(status=CampaignStatus.OPEN)


def evidence_assignments(campaign: PolicyCampaign) -> QuerySet[Assignment]:
    """The assignments of a closing campaign as the evidence lists them: in id order, each with its manager,
    when the person acknowledged the campaign's version (``acknowledged_at``), whether any of its "no"
    answers has an open or a resolved follow-up, and its answers (prefetched)."""
    acknowledged = Acknowledgement.objects.filter(
        person_id=OuterRef("person_id"), version_id=campaign.version_id
    ).values("acknowledged_at")[:1]
    follow_ups = FollowUp.objects.filter(answer__assignment_id=OuterRef("pk"))
    return (
        Assignment.objects.filter(campaign=campaign)
        .select_related("manager", "escalated_to")
        .annotate(
            acknowledged_at=Subquery(acknowledged),
            open_follow_up=Exists(follow_ups.filter(status=FollowUpStatus.OPEN)),
            any_follow_up=Exists(follow_ups),
        )
        .prefetch_related("answers")
        .order_by("pk")
    )


def answers_of(assignment: Assignment) -> dict[int, Answer]:
    """The assignment's answers by question id (from the prefetch of ``evidence_assignments``)."""
    return {answer.question_id: answer for answer in assignment.answers.all()}
