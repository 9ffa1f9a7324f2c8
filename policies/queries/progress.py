"""Reads of how far campaigns got, for the officers' pages, the dashboard and the API: the campaign list with
each campaign's numbers, a campaign's numbers and its progress per team, its pending people, and the share of
each policy's audience that acknowledged the version in force.

Every number is counted by the database (correlated counts on the assignments' (campaign, status) and
(campaign, team, status) indexes): a page costs the same queries for ten people as for ten thousand. Who may
read campaigns is ``policies.queries.campaigns`` (security officers and auditors).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from policies.choices import AssignmentStatus
from policies.models import (
    Acknowledgement,
    Assignment,
    AttestationQuestion,
    Policy,
    PolicyCampaign,
    PolicyVersion,
)
from policies.queries.campaigns import campaigns_for_user

CAMPAIGN_SORTS = {
    "-launched": ("-launched_at", "-pk"),
    "launched": ("launched_at", "pk"),
    "due": ("due_at", "pk"),
    "-due": ("-due_at", "-pk"),
    "name": ("name", "pk"),
}


def _count(rows: QuerySet) -> Coalesce:
    """A correlated COUNT of ``rows`` (already tied to the outer campaign by ``OuterRef``), 0 for none."""
    counted = rows.order_by().values("campaign").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_numbers(campaigns: QuerySet[PolicyCampaign]) -> QuerySet[PolicyCampaign]:
    """Each campaign with ``n_total``, ``n_done``, ``n_pending``, ``n_no_response`` and ``n_excused``."""
    mine = Assignment.objects.filter(campaign=OuterRef("pk"))
    return campaigns.annotate(
        n_total=_count(mine),
        n_done=_count(mine.filter(status=AssignmentStatus.DONE)),
        n_pending=_count(mine.filter(status=AssignmentStatus.PENDING)),
        n_no_response=_count(mine.filter(status=AssignmentStatus.NO_RESPONSE)),
        n_excused=_count(mine.filter(status=AssignmentStatus.EXCUSED)),
    )


def campaign_list(
    user,
    *,
    policy_id: int | None = None,
    status: str = "",
    kind: str = "",
    q: str = "",
    sort: str = "-launched",
) -> QuerySet[PolicyCampaign]:
    """The campaigns ``user`` may read (none for anyone else), filtered, sorted, each with its numbers."""
    campaigns = with_numbers(campaigns_for_user(user))
    if policy_id:
        campaigns = campaigns.filter(policy_id=policy_id)
    if status:
        campaigns = campaigns.filter(status=status)
    if kind:
        campaigns = campaigns.filter(kind=kind)
    if q:
        campaigns = campaigns.filter(Q(name__icontains=q) | Q(policy__title__icontains=q))
    return campaigns.order_by(*CAMPAIGN_SORTS.get(sort, CAMPAIGN_SORTS["-launched"]))


def percent(part: int, whole: int) -> int:
    """A whole percentage, rounded down so that 99.6 % never reads as done (0 of nothing)."""
    return (100 * part) // whole if whole else 0


@dataclass(frozen=True)
class Numbers:
    """A campaign's people in each state. The acknowledged share counts those still asked: the excused (who
    left, or left the audience) are out of it."""

    total: int
    done: int
    pending: int
    no_response: int
    excused: int

    @property
    def asked(self) -> int:
        return self.total - self.excused

    @property
    def done_percent(self) -> int:
        return percent(self.done, self.asked)

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "done": self.done,
            "pending": self.pending,
            "no_response": self.no_response,
            "excused": self.excused,
            "acknowledged_percent": self.done_percent,
        }


def numbers_of(campaign: PolicyCampaign) -> Numbers:
    """The numbers of a campaign read through ``with_numbers`` (``campaign_list``, ``get_campaign``)."""
    return Numbers(
        total=campaign.n_total,  # type: ignore[attr-defined]
        done=campaign.n_done,  # type: ignore[attr-defined]
        pending=campaign.n_pending,  # type: ignore[attr-defined]
        no_response=campaign.n_no_response,  # type: ignore[attr-defined]
        excused=campaign.n_excused,  # type: ignore[attr-defined]
    )


def get_campaign(user, pk: int) -> PolicyCampaign:
    """The campaign ``pk`` with its numbers, if ``user`` may read it (else a 404). One query."""
    campaign = with_numbers(campaigns_for_user(user)).filter(pk=pk).first()
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


@dataclass(frozen=True)
class TeamRow:
    """One team's people in a campaign (by the team they were in at launch)."""

    team: str
    people: int
    done: int
    pending: int
    no_response: int
    excused: int
    overdue: int

    @property
    def done_percent(self) -> int:
        return percent(self.done, self.people - self.excused)


def team_progress(campaign: PolicyCampaign, *, now: datetime.datetime) -> QuerySet:
    """One row per team (the team name of the launch's snapshot; "" for people in none), most pending
    first: people, done, pending, no response, excused. Counted by the database in one grouped query, so
    it is paged like any list; ``team_row`` turns a row into a ``TeamRow`` with its overdue count (the
    pending ones, once the campaign is past due)."""
    return (
        Assignment.objects.filter(campaign=campaign)
        .values("team_name")
        .annotate(
            people=Count("pk"),
            done=Count("pk", filter=Q(status=AssignmentStatus.DONE)),
            pending=Count("pk", filter=Q(status=AssignmentStatus.PENDING)),
            no_response=Count("pk", filter=Q(status=AssignmentStatus.NO_RESPONSE)),
            excused=Count("pk", filter=Q(status=AssignmentStatus.EXCUSED)),
        )
        .order_by("-pending", "team_name")
    )


def team_row(row: dict, campaign: PolicyCampaign, now: datetime.datetime) -> TeamRow:
    overdue = row["pending"] if campaign.is_open and campaign.due_at < now else 0
    return TeamRow(
        team=row["team_name"],
        people=row["people"],
        done=row["done"],
        pending=row["pending"],
        no_response=row["no_response"],
        excused=row["excused"],
        overdue=overdue,
    )


def pending_people(campaign: PolicyCampaign, *, team: str | None = None) -> QuerySet[Assignment]:
    """The campaign's pending assignments with their manager, by name; ``team``: of one team only."""
    rows = Assignment.objects.filter(campaign=campaign, status=AssignmentStatus.PENDING).select_related(
        "manager", "escalated_to"
    )
    if team is not None:
        rows = rows.filter(team_name=team)
    return rows.order_by("person_label", "pk")


# --- The acknowledged share per policy (the dashboard) ----------------------------------------------------
def policies_with_version_in_force(today: datetime.date) -> QuerySet[Policy]:
    """Policies not archived that have a version in force, each with ``current_version_id`` and
    ``current_number``."""
    in_force = PolicyVersion.objects.filter(policy=OuterRef("pk"), effective_date__lte=today).order_by(
        "-number"
    )
    return (
        Policy.objects.filter(archived=False)
        .annotate(
            current_version_id=Subquery(in_force.values("pk")[:1]),
            current_number=Subquery(in_force.values("number")[:1]),
        )
        .filter(current_version_id__isnull=False)
        .order_by("title")
    )


def acknowledged_share(today: datetime.date, *, limit: int = 12) -> list[dict]:
    """For up to ``limit`` policies (by title): the version in force, how many people its campaigns asked to
    acknowledge it (assigned to that version and not excused), and how many of those acknowledged it (in a
    campaign or from the policy's page: an acknowledgement of an older version does not count). One query."""
    assigned = Assignment.objects.filter(campaign__version_id=OuterRef("current_version_id")).exclude(
        status=AssignmentStatus.EXCUSED
    )

    def people(rows):
        counted = rows.order_by().values("campaign__version_id").annotate(n=Count("person_id", distinct=True))
        return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), Value(0))

    acknowledged = assigned.filter(
        person_id__in=Acknowledgement.objects.filter(
            version_id=OuterRef(OuterRef("current_version_id"))
        ).values("person_id")
    )
    rows = policies_with_version_in_force(today).annotate(
        asked=people(assigned), acknowledged=people(acknowledged)
    )[:limit]
    return [
        {
            "policy": policy,
            "version_number": policy.current_number,  # type: ignore[attr-defined]
            "asked": policy.asked,
            "acknowledged": policy.acknowledged,
            "percent": percent(policy.acknowledged, policy.asked),
        }
        for policy in rows
    ]


def template_questions(policy: Policy) -> list[AttestationQuestion]:
    """The policy's template questions, in order: what a launch copies onto the campaign unless edited."""
    return list(
        AttestationQuestion.objects.filter(policy=policy, campaign__isnull=True).order_by("position", "pk")
    )
