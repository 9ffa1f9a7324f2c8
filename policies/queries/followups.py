"""Reads of follow-ups (what a "no" answer asks of a person and their manager): who sees which, who may
resolve one, the list's filters, and the counts of the officers' dashboard panel.

A person sees their own follow-ups; a manager those of the people who report to them (the manager named when
the "no" was given, and the person's manager now); security officers and auditors see every one. Only the
person's manager or a security officer resolves one; auditors read, they change nothing. A follow-up someone
may not see is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from policies.choices import FollowUpStatus
from policies.models import FollowUp

SCOPE_MINE = "mine"  # the follow-ups of my own "no" answers
SCOPE_TEAM = "team"  # those of the people who report to me
SCOPE_ALL = "all"  # every one (security officers and auditors)

FOLLOW_UP_SORTS = {
    "due": ("due_at", "pk"),
    "-due": ("-due_at", "-pk"),
    "person": ("person__full_name", "pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
}


def sees_all_follow_ups(user) -> bool:
    """Security officers and auditors see every follow-up (and the menu link to the list)."""
    return bool(user.is_authenticated and (user.is_security_officer or user.is_auditor))


def _visible_to(user) -> Q:
    return Q(person=user) | Q(manager=user) | Q(person__manager=user)


def follow_ups_for(user) -> QuerySet[FollowUp]:
    """The follow-ups ``user`` may see, with what a row of the list shows (one query per page)."""
    rows = FollowUp.objects.select_related(
        "person",
        "person__team",
        "manager",
        "resolved_by",
        "answer__question",
        "answer__assignment__campaign__policy",
        "answer__assignment__campaign__version",
    )
    if sees_all_follow_ups(user):
        return rows
    return rows.filter(_visible_to(user))


def filter_follow_ups(
    rows: QuerySet[FollowUp],
    *,
    user,
    now: datetime,
    scope: str = "",
    status: str = FollowUpStatus.OPEN,
    policy_id: int | None = None,
    team_id: int | None = None,
    overdue: bool = False,
    q: str = "",
    sort: str = "due",
) -> QuerySet[FollowUp]:
    """``rows`` narrowed as the list's filters say. ``scope``: mine, team (my reports') or all."""
    if scope == SCOPE_MINE:
        rows = rows.filter(person=user)
    elif scope == SCOPE_TEAM:
        rows = rows.filter(Q(manager=user) | Q(person__manager=user)).exclude(person=user)
    if status:
        rows = rows.filter(status=status)
    if policy_id:
        rows = rows.filter(answer__assignment__campaign__policy_id=policy_id)
    if team_id:
        rows = rows.filter(person__team_id=team_id)
    if overdue:
        rows = rows.filter(status=FollowUpStatus.OPEN, due_at__lt=now)
    if q:
        rows = rows.filter(
            Q(person__full_name__icontains=q)
            | Q(person__email__icontains=q)
            | Q(answer__question__text__icontains=q)
            | Q(answer__explanation__icontains=q)
        )
    return rows.order_by(*FOLLOW_UP_SORTS.get(sort, FOLLOW_UP_SORTS["due"]))


def default_scope(user) -> str:
    """What the list shows first: officers and auditors every follow-up, a manager their reports' and
    their own, anyone else their own."""
    if sees_all_follow_ups(user):
        return SCOPE_ALL
    return ""  # mine and my reports' together: all I may see


def get_follow_up_for(user, pk: int, *, for_update: bool = False) -> FollowUp:
    """The follow-up ``pk`` if ``user`` may see it, else a 404 (with ``for_update``, the row locked)."""
    rows = follow_ups_for(user)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such follow-up."))
    return found


def may_resolve(user, follow_up: FollowUp) -> bool:
    """The person's manager (then or now) or a security officer; never the person themselves, never an
    auditor who is not also an officer."""
    if not user.is_authenticated or follow_up.status != FollowUpStatus.OPEN:
        return False
    if user.is_security_officer:
        return True
    if follow_up.person_id == user.pk:
        return False
    return user.pk in (follow_up.manager_id, follow_up.person.manager_id)


def require_resolve(user, follow_up: FollowUp) -> None:
    if not may_resolve(user, follow_up):
        raise PermissionDenied(_("Only the person's manager or a security officer resolves a follow-up."))


def is_overdue(follow_up: FollowUp, now: datetime) -> bool:
    return follow_up.status == FollowUpStatus.OPEN and follow_up.due_at < now


def open_follow_ups():
    return FollowUp.objects.filter(status=FollowUpStatus.OPEN)


def overdue_follow_ups(now: datetime) -> QuerySet[FollowUp]:
    """Open follow-ups past their due moment."""
    return open_follow_ups().filter(due_at__lt=now)


@dataclass(frozen=True)
class OpenCounts:
    """Open follow-ups in all, and of those past their due moment."""

    open: int
    overdue: int


def open_counts(now: datetime) -> OpenCounts:
    """How many follow-ups are open, and overdue, register-wide. One query."""
    counts = open_follow_ups().aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    return OpenCounts(open=counts["open"], overdue=counts["overdue"])


def mine_open_count(user) -> int:
    """Open follow-ups of ``user``'s own or their reports' "no" answers (one query)."""
    return open_follow_ups().filter(_visible_to(user)).count()
