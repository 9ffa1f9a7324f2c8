"""Periodic review of risks: recording a review (a ``RiskAssessment``), and the tick step that reminds owners.

Reminder steps per risk: 14 days before the next review date, on the day, then every 7 days while overdue,
by the date in the owner's time zone. ``Risk.review_reminded_on`` keeps the day of the last step sent, and it
is set in the same transaction as the digest is written, under a row lock: a step is never sent twice,
however often (or on however many workers) the tick runs. After downtime only the latest step whose day has
passed is sent (a missed "14 days before" is dropped once the day itself has come).
"""

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from dpms import audit, notify
from dpms.formats import show_date
from dpms.models import User
from dpms.notify import DigestItem, digest
from risk.models import Risk, RiskAssessment
from risk.queries.reviews import (
    DUE_SOON_DAYS,
    REVIEWED_STATUSES,
    latest_reminder_step,
    may_record_review,
    person_today,
    reminder_candidates,
)

KINDS = ("inherent", "current", "target")
# The message of a score pair set by half (inherent and target may stay empty, both halves).
BOTH_OR_NEITHER = {
    "inherent": _("Set both inherent scores, or neither."),
    "target": _("Set both target scores, or neither."),
}
# A day written as the reader's pages write it: notifications are rendered in each recipient's language.
lazy_date = lazy(show_date, str)


def scores(risk: Risk) -> dict:
    """The risk's three scores as ``{"inherent": [l, i], "current": [l, i], "target": [l, i] or None}``."""
    result = {}
    for kind in KINDS:
        likelihood, impact = getattr(risk, f"{kind}_likelihood"), getattr(risk, f"{kind}_impact")
        result[kind] = None if likelihood is None or impact is None else [likelihood, impact]
    return result


def validate_scores(risk: Risk, wanted: dict) -> None:
    """Both halves of a pair or neither (current: both), each within the matrix's scales."""
    sizes = {"likelihood": len(risk.matrix.likelihood_scale), "impact": len(risk.matrix.impact_scale)}
    errors = {}
    for kind, pair in wanted.items():
        if pair == (None, None) and kind != "current":
            continue
        for axis, value in zip(("likelihood", "impact"), pair, strict=True):
            name = f"{kind}_{axis}"
            if value is None:
                errors[name] = gettext("Choose a score.") if kind == "current" else str(BOTH_OR_NEITHER[kind])
            elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < sizes[axis]:
                errors[name] = gettext("Choose one of the %(count)s steps of the risk matrix.") % {
                    "count": sizes[axis]
                }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assessment_record(
    *,
    risk: Risk,
    actor,
    current_likelihood: int | None,
    current_impact: int | None,
    inherent_likelihood: int | None = None,
    inherent_impact: int | None = None,
    target_likelihood: int | None = None,
    target_impact: int | None = None,
    notes: str = "",
    now: datetime.datetime | None = None,
) -> RiskAssessment:
    """Record a periodic review: the scores before and after (inherent and target unchanged when not given),
    notes, and the next review date from the interval of the level after the review. Audited."""
    now = now or timezone.now()
    # Lock the risk: two reviews (or a review and an edit) at once would both start from the same scores,
    # and the second would record a stale "before" and overwrite the first one's scores.
    risk = Risk.objects.select_for_update(of=("self",)).select_related("matrix").get(pk=risk.pk)
    if not may_record_review(actor, risk):  # re-checked under the lock: a risk closed meanwhile, a lost share
        raise PermissionDenied("Only security officers, the owner and delegated editors review this risk.")
    wanted = {
        "current": (current_likelihood, current_impact),
        "inherent": (inherent_likelihood, inherent_impact),
        "target": (target_likelihood, target_impact),
    }
    validate_scores(risk, wanted)
    before, level_before, next_before = scores(risk), risk.current_level, risk.next_review_on
    for kind, (likelihood, impact) in wanted.items():
        if likelihood is not None:
            setattr(risk, f"{kind}_likelihood", likelihood)
            setattr(risk, f"{kind}_impact", impact)
    # After the new scores: a lower level gives the longer interval of that level (unless one is set).
    risk.next_review_on = risk.next_review_from(timezone.localdate(now))
    risk.updated_at = now
    risk.save(
        update_fields=[
            *(f"{k}_{a}" for k in KINDS for a in ("likelihood", "impact")),
            "next_review_on",
            "updated_at",
        ]
    )
    level_after = risk.current_level
    assessment = RiskAssessment.objects.create(
        risk=risk,
        reviewed_by=actor,
        reviewed_at=now,
        before=before,
        after=scores(risk),
        current_level_index=level_after["index"],
        notes=notes.strip(),
        next_review_on=risk.next_review_on,
    )
    audit.record(
        action="risk.review.record",
        actor=actor,
        obj=risk,
        changes={
            "assessment": assessment.pk,
            "before": assessment.before,
            "after": assessment.after,
            "current_level": [level_before["name"], level_after["name"]],
            "next_review_on": [next_before, risk.next_review_on],
            "notes": assessment.notes,
        },
    )
    _settle_reminders(risk.owner_id, now)
    from risk.services.acceptances import acceptance_recheck_appetite

    acceptance_recheck_appetite(risk=risk, actor=actor, now=now)
    return assessment


def _settle_reminders(owner_id: int, now: datetime.datetime) -> None:
    """The owner's "Risk reviews due" is done once none of their risks is due, or due soon, any more: one
    UPDATE, the check a subquery of it."""
    soon = timezone.localdate(now) + datetime.timedelta(days=DUE_SOON_DAYS)
    owed = Risk.objects.filter(owner=OuterRef("pk"), status__in=REVIEWED_STATUSES, next_review_on__lte=soon)
    settled = User.objects.filter(pk=owner_id).exclude(Exists(owed))
    notify.withdraw(_reminders_topic(owner_id), recipients=settled)


def _reminders_topic(owner_id: int) -> str:
    return f"risk-reviews:{owner_id}"


# --- Reminders (tick step) -----------------------------------------------------------------------------


def _step_due(risk: Risk, now: datetime.datetime) -> tuple[datetime.date, datetime.date] | None:
    """(owner's today, step day) when the risk has a reminder step not sent yet, else None."""
    if risk.next_review_on is None:
        return None
    today = person_today(risk.owner, now)
    step = latest_reminder_step(risk.next_review_on, today)
    if step is None or (risk.review_reminded_on is not None and risk.review_reminded_on >= step):
        return None
    return today, step


def _line(risk: Risk, review_on: datetime.date, today: datetime.date) -> str | Promise:
    """The digest line of a risk whose review is due on ``review_on``."""
    days = (review_on - today).days
    count = abs(days)
    if days > 0:
        text = ngettext_lazy(
            "{reference} {title}: review due in {days} day ({day})",
            "{reference} {title}: review due in {days} days ({day})",
            count,
        )
    elif days == 0:
        text = _("{reference} {title}: review due today ({day})")
    else:
        text = ngettext_lazy(
            "{reference} {title}: review overdue by {days} day ({day})",
            "{reference} {title}: review overdue by {days} days ({day})",
            count,
        )
    return format_lazy(text, reference=risk.reference, title=risk.title, days=count, day=lazy_date(review_on))


def remind_due_reviews(*, now: datetime.datetime) -> int:
    """Tick step: one digest per owner listing their risks that reached a reminder step. Returns how many
    digests were new."""
    by_owner: dict[int, list[int]] = {}
    for risk in reminder_candidates(now).iterator(chunk_size=2000):
        if _step_due(risk, now):
            by_owner.setdefault(risk.owner_id, []).append(risk.pk)
    return sum(_remind_owner(owner_id, ids, now) for owner_id, ids in by_owner.items())


@transaction.atomic
def _remind_owner(owner_id: int, risk_ids: list[int], now: datetime.datetime) -> int:
    # skip_locked: risks another worker is reminding (or someone is reviewing) right now are left to it or to
    # the next tick; the marker re-checked under the lock stops a second worker from sending the same step.
    risks = list(
        Risk.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=risk_ids, owner_id=owner_id, status__in=REVIEWED_STATUSES, owner__is_active=True)
        .select_related("owner")
        .order_by("next_review_on", "reference")
    )
    items: list[DigestItem] = []
    steps: dict[datetime.date, list[int]] = {}
    for risk in risks:
        due = _step_due(risk, now)
        if due is None or risk.next_review_on is None:  # no step without a date; said for the type checker
            continue
        today, step = due
        steps.setdefault(step, []).append(risk.pk)
        link = reverse("risk:review_record", args=[risk.pk])
        items.append(
            DigestItem(recipient=risk.owner, text=_line(risk, risk.next_review_on, today), link=link)
        )
    if not items:
        return 0
    for step, ids in steps.items():
        Risk.objects.filter(pk__in=ids).update(review_reminded_on=step)
    sent = sorted(f"{pk}@{step}" for step, ids in steps.items() for pk in ids)
    occasion = hashlib.sha256(",".join(sent).encode()).hexdigest()[:16]
    return digest(
        items=items,
        subject=_("Risk reviews due"),
        intro=_("These risks you own are due for their periodic review. Please review them and record it."),
        dedup_prefix=f"risk-review:{today:%Y-%m-%d}:{occasion}",
        topic=_reminders_topic(owner_id),  # recording the last due review withdraws it
    )
