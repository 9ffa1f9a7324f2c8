"""Reads for the reviewer's queue: who may see and change a review item, the queue with its context, progress.

Review items are filtered by fields (``reviewer=user``), never by per-row permission checks, so a queue of
any size costs the same handful of queries.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    IntegerField,
    Min,
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

from access.choices import RECOMMENDED_DECISION, CampaignStatus, Decision
from access.models import Grant, ReviewCampaign, ReviewItem, ReviewTally, Role
from dpms.models import AuditEvent, User

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
    """The queue page's rows, in the queue's order, with what a row shows: the holder and the system. The
    rows offer keep and revoke; the downgrade choice's roles, the decider and the same-team count are on the
    item's page and in the API (``queue_for_user``), so a page of 100 rows does not fetch them. ``filters``
    are ``queue_for_user``'s (campaign, system, privileged, state, recommendation).

    Queries: the items (1)."""
    return (
        _queue_items(user, **filters)
        .select_related("holder", "system")
        .only(*QUEUE_ROW_FIELDS)
        .annotate(decided_last=Case(When(decision=Decision.PENDING, then=Value(0)), default=Value(1)))
        .order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["holder"]))
    )


# The fields a row of the queue shows (``access.views.reviews._queue_rows``), and no others: a page builds 100
# items with their holders, and a field the row does not read costs its conversion and a slot in each.
QUEUE_ROW_FIELDS = (
    "holder_label", "system_name", "role_name", "privileged", "granted_at", "granted_by_label",
    "recommendation", "recommendation_reason", "decision", "justification", "bulk",
    "holder__full_name", "holder__is_active", "holder__last_login", "system__is_portal",
)  # fmt: skip


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
    if state == "pending":
        items = items.filter(decision=Decision.PENDING)
    elif state == "decided":
        items = items.exclude(decision=Decision.PENDING)
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
    return pending_in_queue(user, **filters).filter(recommendation__in=list(RECOMMENDED_DECISION))


def queue_systems(user) -> list[str]:
    """The names of the systems in this person's queue (open campaigns): the system filter's suggestions."""
    return list(
        ReviewItem.objects.filter(assigned_q(user), campaign__status=CampaignStatus.OPEN)
        .order_by("system_name")
        .values_list("system_name", flat=True)
        .distinct()
    )


def queue_row(user, item: ReviewItem) -> ReviewItem | None:
    """The item as the queue's row shows it, or None when it is not in this person's queue."""
    return queue_table(user).filter(pk=item.pk).first()


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
    and those escalated to them (few) counted, leaving out any they also review."""
    pending = Q(decision=Decision.PENDING)
    open_tallies = ReviewTally.objects.filter(reviewer=user, campaign__status=CampaignStatus.OPEN)
    escalated_q = Q(escalated_to=user)
    if user.is_security_officer:
        escalated_q |= Q(escalation_level__gte=SECURITY_OFFICER_LEVEL)
    escalated = (
        ReviewItem.objects.filter(escalated_q, campaign__status=CampaignStatus.OPEN)
        .exclude(reviewer=user)
        .annotate(one=Value(1))
    )

    def scalar(rows, expression, output=None):
        computed = rows.order_by().values("one").annotate(value=expression).values("value")
        return Subquery(computed, output_field=output or IntegerField())

    tallies = open_tallies.annotate(one=Value(1))
    waiting = pending & Q(items__gt=0)
    counts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            reviewed_total=scalar(tallies, Sum("items")),
            reviewed_pending=scalar(tallies, Sum("items", filter=pending)),
            reviewed_due=scalar(tallies, Min("campaign__due_at", filter=waiting), DateTimeField()),
            escalated_total=scalar(escalated, Count("pk")),
            escalated_pending=scalar(escalated, Count("pk", filter=pending)),
            escalated_due=scalar(escalated, Min("campaign__due_at", filter=pending), DateTimeField()),
        )
        .values(
            "reviewed_total", "reviewed_pending", "reviewed_due", "escalated_total", "escalated_pending",
            "escalated_due",
        )
        .get()
    )  # fmt: skip
    total = (counts["reviewed_total"] or 0) + (counts["escalated_total"] or 0)
    pending_count = (counts["reviewed_pending"] or 0) + (counts["escalated_pending"] or 0)
    dues = [due for due in (counts["reviewed_due"], counts["escalated_due"]) if due is not None]
    return {
        "total": total,
        "pending": pending_count,
        "due_at": min(dues) if dues else None,
        "decided": total - pending_count,
        "percent": round(100 * (total - pending_count) / total) if total else 100,
    }


def item_history(item: ReviewItem):
    """The audit events about this item, newest first."""
    return AuditEvent.objects.filter(object_type=ReviewItem._meta.label_lower, object_id=str(item.pk))
