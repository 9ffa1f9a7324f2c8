"""Reads of periodic reviews: who records a review, the review round, due and overdue counts, reminder steps.

Recording a review is for those who may edit the risk (security officers, the owner, delegated editors; never
an auditor): the same rule as ``risk.queries.register.can_edit_risk``. The review round is for security
officers (who work through it) and auditors (who read it). Counts come from one aggregate query.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import Length
from django.shortcuts import get_object_or_404

from risk.choices import RiskStatus
from risk.models import Risk, RiskAssessment
from risk.queries.register import can_edit_risk, get_risk_for_user, risks_for_user, sees_all_risks

# Drafts are not assessed yet and closed risks are gone: only live risks are reviewed and reminded.
REVIEWED_STATUSES = (RiskStatus.OPEN, RiskStatus.ACCEPTED)
DUE_SOON_DAYS = 14  # the dashboard's "due" window, and the first reminder step
OVERDUE_EVERY_DAYS = 7  # weekly reminders while overdue
ROUND_DEFAULT_DAYS = 30

ROUND_SORTS = {
    "date": ("next_review_on", Length("reference"), "reference"),
    "-date": ("-next_review_on", Length("reference"), "reference"),
    "reference": (Length("reference"), "reference"),
    "owner": ("owner__full_name", "owner__email", "next_review_on", "pk"),
}


# --- Who may do what -----------------------------------------------------------------------------------


def may_record_review(user, risk: Risk) -> bool:
    """Security officers, the owner and delegated editors record reviews of a live risk; auditors never."""
    return risk.status != RiskStatus.CLOSED and can_edit_risk(user, risk)


def get_risk_to_review(user, pk) -> Risk:
    """A risk ``user`` may see (404 otherwise) and review (403 otherwise)."""
    risk = get_risk_for_user(user, pk)
    if not may_record_review(user, risk):
        raise PermissionDenied("Only security officers, the owner and delegated editors review this risk.")
    return risk


def can_see_round(user) -> bool:
    return user.is_active and (user.is_security_officer or user.is_auditor)


def may_record_from_round(user) -> bool:
    """Security officers record reviews straight from the round; auditors only read it."""
    return user.is_active and user.is_security_officer


def check_round_access(user) -> None:
    if not can_see_round(user):
        raise PermissionDenied("The review round is for security officers and auditors.")


# --- The review round ----------------------------------------------------------------------------------


def reviewable_risks():
    return Risk.objects.filter(status__in=REVIEWED_STATUSES, next_review_on__isnull=False)


def round_risks(
    *, today: datetime.date, start: datetime.date, end: datetime.date, overdue: bool = True, q: str = ""
):
    """Live risks due between ``start`` and ``end`` (inclusive), and every overdue one with ``overdue``."""
    due = Q(next_review_on__gte=start, next_review_on__lte=end)
    if overdue:
        due |= Q(next_review_on__lt=today)
    risks = reviewable_risks().filter(due)
    if q:
        risks = risks.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    return risks


def round_counts(risks, *, today: datetime.date) -> dict:
    """How many risks the round holds, and how many of them are overdue (one query)."""
    counts = risks.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(next_review_on__lt=today)))
    return {**counts, "upcoming": counts["total"] - counts["overdue"]}


def round_for_list(risks, *, sort: str = "date"):
    return risks.select_related("owner", "matrix").order_by(*ROUND_SORTS.get(sort, ROUND_SORTS["date"]))


# --- Dashboard counts ----------------------------------------------------------------------------------


def due_counts(user, *, today: datetime.date, everything: bool) -> dict:
    """Overdue live risks and those due within ``DUE_SOON_DAYS``: all of them, or the user's own (1 query)."""
    risks = reviewable_risks() if everything else reviewable_risks().filter(owner=user)
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    return risks.aggregate(
        overdue=Count("pk", filter=Q(next_review_on__lt=today)),
        due=Count("pk", filter=Q(next_review_on__gte=today, next_review_on__lte=soon)),
    )


def own_due_risks(user, *, today: datetime.date, limit: int = 5) -> list[Risk]:
    """The user's own live risks overdue or due within ``DUE_SOON_DAYS``, earliest first (1 query)."""
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    risks = reviewable_risks().filter(owner=user, next_review_on__lte=soon)
    return list(
        risks.only("pk", "reference", "title", "next_review_on").order_by("next_review_on", "pk")[:limit]
    )


# --- A risk's reviews ----------------------------------------------------------------------------------


def recent_assessments(risk: Risk) -> list:
    """The risk's five latest reviews with their reviewers (1 query): ``recent_reviews`` of the risk page."""
    return list(risk.assessments.latest_five())


def assessments_for_user(user):
    """The reviews of the risks ``user`` may see (whoever sees a risk sees its history), with their risk and
    reviewer."""
    assessments = RiskAssessment.objects.select_related("risk", "reviewed_by")
    if sees_all_risks(user):
        return assessments
    return assessments.filter(risk__in=risks_for_user(user))


def get_assessment_for_user(user, pk) -> RiskAssessment:
    """A review of a risk ``user`` may see (404 otherwise)."""
    return get_object_or_404(assessments_for_user(user), pk=pk)


# --- Reminder steps ------------------------------------------------------------------------------------


def reminder_candidates(now: datetime.datetime):
    """Live risks of active owners that may have reached a reminder step at ``now``: the date check per
    owner's time zone (``latest_reminder_step``) picks exactly."""
    # Local dates run at most a day ahead of UTC: nothing later than this can have reached its first step.
    horizon = now.astimezone(datetime.UTC).date() + datetime.timedelta(days=DUE_SOON_DAYS + 1)
    return (
        Risk.objects.filter(status__in=REVIEWED_STATUSES, next_review_on__lte=horizon, owner__is_active=True)
        .select_related("owner")
        .only("pk", "next_review_on", "review_reminded_on", "owner__time_zone")
    )


def person_today(person, now: datetime.datetime) -> datetime.date:
    """The date it is for ``person`` at ``now``: their time zone, else the installation's."""
    try:
        zone = zoneinfo.ZoneInfo(person.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return now.astimezone(zone).date()


def latest_reminder_step(next_review_on: datetime.date, today: datetime.date) -> datetime.date | None:
    """The day of the latest reminder step on or before ``today``: 14 days before the review date, the day
    itself, then every 7 days while overdue. None before the first step. A step whose day passed while the
    tick was down is still the latest until the next one comes, so it is caught up once; earlier steps that
    were missed are skipped."""
    first = next_review_on - datetime.timedelta(days=DUE_SOON_DAYS)
    if today < first:
        return None
    if today < next_review_on:
        return first
    weeks = (today - next_review_on).days // OVERDUE_EVERY_DAYS
    return next_review_on + datetime.timedelta(days=weeks * OVERDUE_EVERY_DAYS)
