"""Incident metrics over a period: time to acknowledge and to resolve per severity, open incidents by
severity, and how the regulatory clocks went.

The period is a range of calendar days in the viewer's time zone; an incident counts when it was REPORTED in
the period. Time to acknowledge runs from ``reported_at`` to ``acknowledged_at`` (the reporter's wait, which
includes triage); time to resolve from ``reported_at`` to ``resolved_at``. The page says so.

A fixed number of queries whatever the data size: one ``values_list`` of the few fields the numbers need
(medians and percentiles are computed here, the same on SQLite and PostgreSQL) and one aggregate of the open
incidents. Only incidents the viewer may see are counted.
"""

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy

from incidents.choices import Severity, Status
from incidents.queries.lists import CLOCK_MET, CLOCK_MISSED, clock_q, open_counts, with_aliases
from incidents.queries.visibility import incidents_with_internal_for_user

DEFAULT_DAYS = 90
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.DISMISSED)
UNTRIAGED_LABEL = gettext_lazy("Untriaged")

FIELDS = (
    "severity",
    "status",
    "reported_at",
    "acknowledged_at",
    "resolved_at",
    "is_breach",
    "authority_decision",
    "authority_deadline",
    "authority_notified_at",
    "authority_decided_at",
    "nis2_significant",
    "nis2_early_warning_deadline",
    "nis2_early_warning_at",
    "nis2_notification_deadline",
    "nis2_notification_at",
    "nis2_final_report_deadline",
    "nis2_final_report_at",
)
NIS2_REPORTS = (
    (gettext_lazy("Early warning (24 hours)"), "nis2_early_warning_deadline", "nis2_early_warning_at"),
    (gettext_lazy("Incident notification (72 hours)"), "nis2_notification_deadline", "nis2_notification_at"),
    (gettext_lazy("Final report (one month)"), "nis2_final_report_deadline", "nis2_final_report_at"),
)


def can_see_metrics(user) -> bool:
    """Security officers and auditors read the metrics (and the dashboard's open-incidents panel)."""
    return user.is_authenticated and user.is_active and (user.is_security_officer or user.is_auditor)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 90 days, today included, in the current (viewer's) time zone."""
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def period_bounds(start: date, end: date, tz=None) -> tuple[datetime, datetime]:
    """[start of ``start``, start of the day after ``end``) in ``tz`` (default: the current time zone), as
    UTC instants: a day of a daylight-saving change is 23 or 25 hours long."""
    tz = tz or timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC),
    )


@dataclass(frozen=True)
class Durations:
    """Summary of a list of durations: how many, median, 90th percentile (nearest rank) and mean."""

    count: int = 0
    median: timedelta | None = None
    p90: timedelta | None = None
    mean: timedelta | None = None

    @classmethod
    def of(cls, seconds: list[float]) -> "Durations":
        if not seconds:
            return cls()
        ordered = sorted(seconds)
        # Nearest rank: the smallest value with at least 90 % of the values at or below it.
        p90 = ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]
        return cls(
            count=len(ordered),
            median=timedelta(seconds=statistics.median(ordered)),
            p90=timedelta(seconds=p90),
            mean=timedelta(seconds=statistics.fmean(ordered)),
        )


def _seconds(start, end) -> float | None:
    if start is None or end is None:
        return None
    return max((end - start).total_seconds(), 0.0)


def _authority_outcome(row: dict, now: datetime) -> str:
    """ "met", "missed" or "running" for a breach: decided by the deadline, after it (or still running past
    it), or still running within it. A notification counts at the time the authority was notified."""
    deadline = row["authority_deadline"]
    if row["authority_decision"]:
        decided = row["authority_notified_at"] or row["authority_decided_at"]
        return "missed" if deadline and decided and decided > deadline else "met"
    return "missed" if deadline and deadline < now else "running"


def _report_outcome(deadline, submitted, now) -> str:
    if submitted is not None:
        return "missed" if submitted > deadline else "met"
    return "missed" if deadline < now else "pending"


def incident_metrics(user, *, start: date, end: date, now: datetime | None = None) -> dict:
    """The metrics page's numbers for the incidents ``user`` may see, reported from ``start`` to ``end``
    (calendar days in the current time zone, both included). Two queries."""
    now = now or timezone.now()
    since, until = period_bounds(start, end)
    rows = [
        dict(zip(FIELDS, values, strict=True))
        for values in incidents_with_internal_for_user(user)
        .filter(reported_at__gte=since, reported_at__lt=until)
        .order_by()
        .values_list(*FIELDS)
    ]
    groups: dict[int | None, list[dict]] = {severity.value: [] for severity in Severity}
    groups[None] = []
    clocks = {"breaches": 0, "met": 0, "missed": 0, "missed_running": 0, "running": 0}
    nis2: list[dict[str, Any]] = [
        {"label": label, "met": 0, "missed": 0, "pending": 0} for label, _d, _a in NIS2_REPORTS
    ]
    nis2_count = 0
    for row in rows:
        groups.setdefault(row["severity"], []).append(row)
        if row["is_breach"]:
            clocks["breaches"] += 1
            outcome = _authority_outcome(row, now)
            clocks[outcome] += 1
            if outcome == "missed" and not row["authority_decision"]:
                clocks["missed_running"] += 1
        if row["nis2_significant"]:
            nis2_count += 1
            for counts, (_label, deadline, submitted) in zip(nis2, NIS2_REPORTS, strict=True):
                if row[deadline] is not None:
                    counts[_report_outcome(row[deadline], row[submitted], now)] += 1
    severities = [
        _severity_row(key, str(Severity(key).label if key else UNTRIAGED_LABEL), groups[key])
        for key in [*[severity.value for severity in Severity], None]
    ]
    return {
        "start": start,
        "end": end,
        "total": len(rows),
        "severities": severities,
        "open": open_by_severity(user),
        "clocks": clocks,
        "nis2": nis2 if nis2_count else None,
        "nis2_count": nis2_count,
    }


def _severity_row(key, label: str, rows: list[dict]) -> dict:
    acknowledge = [_seconds(row["reported_at"], row["acknowledged_at"]) for row in rows]
    resolve = [_seconds(row["reported_at"], row["resolved_at"]) for row in rows]
    return {
        "severity": key,
        "label": label,
        "count": len(rows),
        "dismissed": sum(1 for row in rows if row["status"] == Status.DISMISSED),
        "acknowledge": Durations.of([value for value in acknowledge if value is not None]),
        "resolve": Durations.of([value for value in resolve if value is not None]),
        "unresolved": sum(
            1 for row in rows if row["resolved_at"] is None and row["status"] not in DONE_STATUSES
        ),
    }


def open_by_severity(user) -> dict:
    """Open incidents now (reported at any time) by severity, untriaged included: one aggregate query."""
    counts = open_counts(user)
    by_severity = [
        {"severity": str(severity.value), "label": severity.label, "count": counts[f"sev{severity.value}"]}
        for severity in Severity
    ]
    by_severity.append({"severity": "untriaged", "label": UNTRIAGED_LABEL, "count": counts["untriaged"]})
    return {
        "by_severity": by_severity,
        "total": sum(line["count"] for line in by_severity),
        "unacknowledged": counts["unacknowledged"],
        "running": counts["running"],
    }


# --- Month by month: the dashboard's and the metrics page's trend ------------------------------------------
TREND_MONTHS = 12


def month_starts(start: date, end: date) -> list[date]:
    """The first day of every calendar month from ``start``'s to ``end``'s, both included."""
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def last_months(count: int = TREND_MONTHS, today: date | None = None) -> tuple[date, date]:
    """The ``count`` calendar months up to today's (today's included), in the viewer's time zone."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _ in range(count - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today


def month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def monthly_trend(user, *, start: date, end: date, now: datetime | None = None) -> list[dict]:
    """Per calendar month (viewer's time zone) of the incidents ``user`` may see reported from ``start`` to
    ``end``: how many, the mean time to acknowledge (MTTA) and to resolve (MTTR) of those acknowledged or
    resolved, and the GDPR authority clocks met and missed (as the queue's clock filter counts them). One
    grouped query; a month without incidents has zeros and no means."""
    now = now or timezone.now()
    since, until = period_bounds(start, end)
    visible = with_aliases(
        incidents_with_internal_for_user(user).filter(reported_at__gte=since, reported_at__lt=until),
        ["authority_decided_on"],
    )
    months = month_starts(start, end)
    # Each incident's month by comparing its instant with the instants the later months begin (local
    # midnight, as UTC), not by converting every row to the viewer's time zone and truncating it: over a
    # year of incidents at scale the per-row conversion was a good part of the query.
    month = Case(
        *(
            When(reported_at__lt=period_bounds(first, first)[0], then=Value(index))
            for index, first in enumerate(months[1:])
        ),
        default=Value(len(months) - 1),
        output_field=IntegerField(),
    )
    rows = (
        visible.annotate(month=month)
        .values("month")
        .annotate(
            reported=Count("pk"),
            acknowledge=Avg(
                ExpressionWrapper(F("acknowledged_at") - F("reported_at"), output_field=DurationField())
            ),
            resolve=Avg(ExpressionWrapper(F("resolved_at") - F("reported_at"), output_field=DurationField())),
            met=Count("pk", filter=clock_q(CLOCK_MET, now=now)),
            missed=Count("pk", filter=clock_q(CLOCK_MISSED, now=now)),
        )
        .order_by("month")
    )
    by_month = {months[row["month"]]: row for row in rows}
    return [
        {
            "month": first,
            "start": max(first, start),
            "end": min(month_end(first), end),
            "reported": by_month.get(first, {}).get("reported", 0),
            "acknowledge": by_month.get(first, {}).get("acknowledge"),
            "resolve": by_month.get(first, {}).get("resolve"),
            "met": by_month.get(first, {}).get("met", 0),
            "missed": by_month.get(first, {}).get("missed", 0),
        }
        for first in month_starts(start, end)
    ]
