"""Reads for the reviewer's queue: who may see and change a review item, the queue with its context, progress.

Review items are filtered by fields (``reviewer=user``), never by per-row permission checks, so a queue of
any size costs the same handful of queries.
"""

from datetime import datetime
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from access.choices import RECOMMENDED_DECISION, CampaignStatus, Decision, read_recommendation_reason
from access.models import Grant, ReviewCampaign, ReviewItem, ReviewTally, Role
from dpms.models import AuditEvent

# From this escalation level on, items are the security officers' to decide as reviewers (not overrides).
SECURITY_OFFICER_LEVEL = 2


def _assigned_ways(user) -> list[Q]:
    """The ways an item is this person's to review: assigned, escalated to them, or at a security officer's
    level."""
    ways = [Q(reviewer=user), Q(escalated_to=user)]
    if user.is_security_officer:
        ways.append(Q(escalation_level__gte=SECURITY_OFFICER_LEVEL))
    return ways


def assigned_q(user) -> Q:
    """Items this person reviews as a reviewer: assigned, escalated to them, or at a security officer's
    level."""
    q = Q()
    for way in _assigned_ways(user):
        q |= way
    return q


def is_assigned(user, item: ReviewItem) -> bool:
    """The person decides this item as its reviewer (no override)."""
    return (
        item.reviewer_id == user.pk
        or item.escalated_to_id == user.pk
        or (user.is_security_officer and item.escalation_level >= SECURITY_OFFICER_LEVEL)
    )


def items_visible_to(user):
    """Security officers and auditors read every item; anyone else only the items they review."""
    items = ReviewItem.objects.all()
    if user.is_security_officer or user.is_auditor:
        return items
    return items.filter(assigned_q(user))


def may_change_item(user, item: ReviewItem) -> bool:
    """Deciding is for the item's reviewers and for security officers (who override)."""
    return is_assigned(user, item) or user.is_security_officer


def may_reassign(user, item: ReviewItem) -> bool:
    """Giving an item to another reviewer is for security officers (recorded as an override)."""
    return bool(user.is_security_officer)


def get_item_for_user(user, pk, *, for_change: bool) -> ReviewItem:
    """The access helper for review items: not visible → 404; visible but not changeable → 403.

    A manager sees only items assigned to them; auditors read everything and change nothing; security
    officers read everything and may decide or reassign on a reviewer's behalf (an override)."""
    item = (
        items_visible_to(user)
        .select_related("campaign", "reviewer", "escalated_to", "decided_by", "downgrade_to", "holder")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404("No such review item.")
    if for_change and not may_change_item(user, item):
        raise PermissionDenied("You may read this review item but not decide on it.")
    return item


def same_team_holders_subquery():
    """How many people on the holder's team hold the item's role (active grants), as one correlated count."""
    holders = (
        Grant.objects.active()
        .filter(role=OuterRef("role_id"), user__team=OuterRef("holder__team_id"))
        .order_by()
        .values("role")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(holders, output_field=IntegerField()), Value(0))


# Grouped by person (the label, then the id: two people may share a name), a person's pending items first.
QUEUE_SORTS = {
    "holder": ("holder_label", "holder_id", "decided_last", "system_name", "role_name", "pk"),
    "system": ("system_name", "role_name", "holder_label", "pk"),
    "oldest": ("granted_at", "pk"),
    "due": ("campaign__due_at", "holder_label", "pk"),
}


def _recommends(decision: str) -> list[str]:
    return [rec for rec, decides in RECOMMENDED_DECISION.items() if decides == decision]


# The queue's decision filter ("state"): anything else lists both.
STATE_FILTERS = {"pending": Q(decision=Decision.PENDING), "decided": ~Q(decision=Decision.PENDING)}

# What "Accept recommendations" decides: the items whose recommendation decides something.
ACCEPTABLE = Q(recommendation__in=list(RECOMMENDED_DECISION))

# The queue's recommendation filter: what accepting the recommendation would decide.
RECOMMENDATION_FILTERS = {
    "revoke": Q(recommendation__in=_recommends(Decision.REVOKE)),
    "keep": Q(recommendation__in=_recommends(Decision.KEEP)),
    "none": ~Q(recommendation__in=list(RECOMMENDED_DECISION)),
}


def queue_for_user(
    user, *, campaign=None, system="", privileged="", state="", recommendation="", sort="holder"
):
    """The reviewer's queue: their items in open campaigns, with the context a decision needs. ``state`` is
    "pending", "decided" or anything else for both; ``recommendation`` one of ``RECOMMENDATION_FILTERS``.

    Queries: the items (1) and the roles of their systems for the downgrade choice (1)."""
    items = _queue_items(
        user,
        campaign=campaign,
        system=system,
        privileged=privileged,
        state=state,
        recommendation=recommendation,
    )
    return (
        items.select_related("campaign", "holder", "decided_by", "downgrade_to", "system")
        .prefetch_related(Prefetch("system__roles", queryset=Role.objects.order_by("name")))
        .annotate(
            same_team_holders=same_team_holders_subquery(),
            decided_last=Case(When(decision=Decision.PENDING, then=Value(0)), default=Value(1)),
        )
        .order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["holder"]))
    )


def queue_table(user, *, sort="holder", **filters):
    """The ids of the queue page's items, in the queue's order: the page reads a page of them, then those
    items' rows (``queue_rows``), so the database sorts the ids alone and joins the holder and system of 100
    rows, not of every item a security officer holds. ``filters`` are ``queue_for_user``'s (campaign,
    system, privileged, state, recommendation).

    Queries: the ids (1)."""
    return (
        _queue_items(user, **filters)
        .annotate(decided_last=Case(When(decision=Decision.PENDING, then=Value(0)), default=Value(1)))
        .order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["holder"]))
        .values_list("pk", flat=True)
    )


class QueueRow(NamedTuple):
    """What a row of the queue shows (``access.views.reviews._QueueRows``), and no more: the item's snapshot,
    its holder's name, state and last sign-in, and whether its system is the portal. A page reads 100 of them
    as plain tuples: model instances of each item, its holder and its system cost twice as much."""

    pk: int
    holder_id: int
    decision: str
    holder_label: str
    system_name: str
    role_name: str
    privileged: bool
    granted_at: datetime
    granted_by_label: str
    recommendation: str
    recommendation_reason: str
    justification: str
    bulk: bool
    holder_full_name: str
    holder_is_active: bool
    holder_last_login: datetime | None
    system_is_portal: bool

    @property
    def recommended_decision(self) -> str:
        """As ``ReviewItem.recommended_decision``."""
        return RECOMMENDED_DECISION.get(self.recommendation, "")

    @property
    def recommendation_reason_read(self) -> str:
        """As ``ReviewItem.recommendation_reason_read``."""
        return read_recommendation_reason(self.recommendation_reason)


# ``QueueRow``'s fields as the database names them, in the same order.
QUEUE_ROW_FIELDS = (
    "pk", "holder_id", "decision", "holder_label", "system_name", "role_name", "privileged", "granted_at",
    "granted_by_label", "recommendation", "recommendation_reason", "justification", "bulk",
    "holder__full_name", "holder__is_active", "holder__last_login", "system__is_portal",
)  # fmt: skip


def queue_rows(ids: list[int]) -> list[QueueRow]:
    """The rows of these items (a page of ``queue_table``'s ids, so the reader's already), in that order.

    Queries: the items with their holders and systems (1)."""
    rows = ReviewItem.objects.filter(pk__in=ids).order_by().values_list(*QUEUE_ROW_FIELDS)
    by_pk = {row[0]: QueueRow._make(row) for row in rows}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def queue_counts(user, *, state="", sort="", **filters) -> dict:
    """How many items the queue lists with these filters (``count``), and how many of its pending items
    "Accept recommendations" decides with the filters other than ``state`` (``acceptable``: as
    ``acceptable_in_queue``), in one query.

    Queries: 1."""
    listed = STATE_FILTERS.get(state)
    return _queue_items(user, **filters).aggregate(
        count=Count("pk", filter=listed) if listed is not None else Count("pk"),
        acceptable=Count("pk", filter=Q(decision=Decision.PENDING) & ACCEPTABLE),
    )


def _queue_items(user, *, campaign=None, system="", privileged="", state="", recommendation=""):
    """The queue's items with its filters, and nothing else (no context, no order)."""
    items = ReviewItem.objects.filter(assigned_q(user), campaign__status=CampaignStatus.OPEN)
    if campaign is not None:
        items = items.filter(campaign=campaign)
    if system:
        items = items.filter(system_name__icontains=system)
    if privileged == "yes":
        items = items.filter(privileged=True)
    elif privileged == "no":
        items = items.filter(privileged=False)
    if state in STATE_FILTERS:
        items = items.filter(STATE_FILTERS[state])
    if recommendation in RECOMMENDATION_FILTERS:
        items = items.filter(RECOMMENDATION_FILTERS[recommendation])
    return items


def pending_in_queue(user, *, campaign=None, system="", privileged="", recommendation="", **_ignored):
    """The pending items of the queue with these filters: what "Accept recommendations" is given when no row
    is selected (it decides those whose recommendation decides, and leaves the others). The page's other
    filters, state and sort, do not matter here."""
    return _queue_items(
        user,
        campaign=campaign,
        system=system,
        privileged=privileged,
        state="pending",
        recommendation=recommendation,
    )


def acceptable_in_queue(user, **filters):
    """Of ``pending_in_queue``, the items "Accept recommendations" decides."""
    return pending_in_queue(user, **filters).filter(ACCEPTABLE)


def queue_systems(user) -> list[str]:
    """The names of the systems in this person's queue (open campaigns): the system filter's suggestions."""
    return list(
        ReviewItem.objects.filter(assigned_q(user), campaign__status=CampaignStatus.OPEN)
        .order_by("system_name")
        .values_list("system_name", flat=True)
        .distinct()
    )


def queue_row(user, item: ReviewItem) -> QueueRow | None:
    """The item as the queue's row shows it, or None when it is not in this person's queue.

    Queries: 1."""
    row = _queue_items(user).filter(pk=item.pk).order_by().values_list(*QUEUE_ROW_FIELDS).first()
    return QueueRow._make(row) if row is not None else None


def queue_campaigns(user):
    """Open campaigns in which this person has items: the queue's campaign filter. One subquery per way an
    item is theirs, each read through its own index: as one subquery with an OR, PostgreSQL walked every
    open campaign's items until it met one of theirs (4 ms at 100,000 items, on every page of the queue)."""
    theirs = Q()
    for way in _assigned_ways(user):
        theirs |= Q(pk__in=ReviewItem.objects.filter(way).values("campaign"))
    return ReviewCampaign.objects.filter(theirs, status=CampaignStatus.OPEN).order_by("-launched_at")


def queue_progress(user) -> dict:
    """Decided and total items in this person's queue (open campaigns), in one query: the items they review
    from their tallies (``ReviewTally``: a security officer as fallback reviewer has thousands of items),
    and those escalated to them (few) counted, leaving out any they also review. Both as (decision, due
    date, how many) lines of one UNION ALL, added up here: two plain grouped selects cost the ORM a third of
    what six scalar subqueries did, on every page of the queue and every decision."""
    escalated_q = Q(escalated_to=user)
    if user.is_security_officer:
        escalated_q |= Q(escalation_level__gte=SECURITY_OFFICER_LEVEL)
    lines = ("decision", "campaign__due_at", "n")
    reviewed = (
        ReviewTally.objects.filter(reviewer=user, campaign__status=CampaignStatus.OPEN, items__gt=0)
        .order_by()
        .values("decision", "campaign__due_at")
        .annotate(n=Sum("items"))
        .values_list(*lines)
    )
    escalated = (
        ReviewItem.objects.filter(escalated_q, campaign__status=CampaignStatus.OPEN)
        .exclude(reviewer=user)
        .order_by()
        .values("decision", "campaign__due_at")
        .annotate(n=Count("pk"))
        .values_list(*lines)
    )
    total = pending = 0
    dues = []
    for decision, due_at, count in reviewed.union(escalated, all=True):
        total += count
        if decision == Decision.PENDING:
            pending += count
            dues.append(due_at)
    return {
        "total": total,
        "pending": pending,
        "due_at": min(dues) if dues else None,
        "decided": total - pending,
        "percent": round(100 * (total - pending) / total) if total else 100,
    }


def item_history(item: ReviewItem):
    """The audit events about this item, newest first."""
    return AuditEvent.objects.filter(object_type=ReviewItem._meta.label_lower, object_id=str(item.pk))
