"""Routing of review items: who reviews a grant, and what the reviewer is told to look at.

``route`` is pure (no writes): the launch, mover reviews and reassignments all call it. To keep a launch of
100,000 items at a fixed number of queries per batch, pass grants with ``user__manager`` and
``role__system__owner`` selected, and a ``security_officer`` looked up once
(``User.objects.security_officers().first()``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from access.choices import Recommendation, ReviewerRule
from access.models import Grant, ReviewPolicy
from dpms.formats import show_date
from dpms.models import User

INACTIVE_AFTER = timedelta(days=30)
SELF_REVIEW_NOTE = "self-review: rerouted to the fallback reviewer"


class _Unset:
    """The default of ``route``'s ``security_officer``: look one up (None means "there is none")."""


_UNSET = _Unset()


def _rule_reviewer(policy: ReviewPolicy, grant: Grant, holder: User) -> tuple[User | None, str]:
    """The reviewer the rule names, and what to call them in a note ("the manager", ...)."""
    if policy.reviewer_rule == ReviewerRule.MANAGER:
        return holder.manager, "manager"
    if policy.reviewer_rule == ReviewerRule.SYSTEM_OWNER:
        return grant.role.system.owner, "system owner"
    return policy.named_reviewer, "named reviewer"


def route(
    *, policy: ReviewPolicy, grant: Grant, holder: User, security_officer: User | None | _Unset = _UNSET
) -> tuple[User, str]:
    """``(reviewer, note)`` for one grant. The note is empty when the rule's reviewer has the item, and says
    why otherwise: nobody reviews their own access, and an inactive or missing reviewer cannot act.

    When the fallback reviewer is the holder too (or has left), a security officer gets the item.
    """
    candidate, title = _rule_reviewer(policy, grant, holder)
    if candidate is None:
        reason = f"no {title}"
    elif candidate.pk == holder.pk:
        reason = SELF_REVIEW_NOTE
    elif not candidate.is_active:
        reason = f"the {title} is inactive"
    else:
        return candidate, ""
    if reason != SELF_REVIEW_NOTE:
        reason = f"{reason}: routed to the fallback reviewer"
    fallback = policy.fallback_reviewer
    if fallback.pk != holder.pk and fallback.is_active:
        return fallback, reason
    why = (
        "the fallback reviewer is the holder"
        if fallback.pk == holder.pk
        else "the fallback reviewer is inactive"
    )
    if isinstance(security_officer, _Unset):  # the first security officer who is not the holder
        officer = User.objects.security_officers().exclude(pk=holder.pk).first()
    else:
        officer = security_officer
    if officer is not None and officer.pk != holder.pk:
        return officer, f"{reason}; {why}: routed to a security officer"
    # Nobody else is left: keep it with the fallback and say so loudly, never drop the item.
    return fallback, f"{reason}; {why} and no other security officer is active"


def recommend(*, grant: Grant, holder, now: datetime) -> tuple[str, str]:
    """The most important hint for the reviewer, with its reason (``RECOMMENDED_DECISION`` says which ones
    "Accept recommendations" acts on).

    In order: the holder has left, the grant has expired, the holder has not signed in for 30 days, the
    grant was never reviewed; otherwise the grant is in use (keep).
    """
    if not holder.is_active:
        return Recommendation.DEACTIVATED, "The holder's account is deactivated: revoke."
    if grant.expires_at is not None and grant.expires_at <= now:
        return Recommendation.EXPIRED, f"The grant expired on {show_date(grant.expires_at)}: revoke."
    if holder.last_login is None:
        return Recommendation.INACTIVE, "The holder has never signed in: consider revoking."
    if now - holder.last_login >= INACTIVE_AFTER:
        days = (now - holder.last_login).days
        return Recommendation.INACTIVE, f"The holder has not signed in for {days} days: consider revoking."
    if grant.last_reviewed_at is None:
        return Recommendation.NEVER_REVIEWED, "This grant has never been reviewed: check it carefully."
    return (
        Recommendation.IN_USE,
        f"The holder signed in within {INACTIVE_AFTER.days} days and the grant was reviewed on "
        f"{show_date(grant.last_reviewed_at)}: keep.",
    )
