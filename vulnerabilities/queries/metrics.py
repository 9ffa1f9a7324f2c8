"""Reads of the remediation metrics: open vulnerabilities by severity, the overdue, the median time to
remediate by severity and the share fixed within the deadline over the last 90 days. Two queries whatever
the numbers: one aggregate of the open ones, one row of three timestamps per vulnerability fixed lately.

And an owner's own numbers (``owner_metrics``): the open ones they own or that sit on a system they own, by
severity, the overdue and the next deadline; one query for someone who owns none, two for an owner."""

import datetime
import statistics

from django.db.models import Count, Q

from vulnerabilities.choices import OPEN_STATUSES, SEVERITY_ORDER, Severity
from vulnerabilities.models import Vulnerability

WINDOW = datetime.timedelta(days=90)


def sees_metrics(user) -> bool:
    """Security officers and auditors (an auditor compares remediation times against the policy)."""
    return bool(user.is_authenticated and user.is_active and (user.is_security_officer or user.is_auditor))


def remediation_metrics(now: datetime.datetime) -> dict:
    open_rows = Vulnerability.objects.filter(status__in=OPEN_STATUSES)
    counts = open_rows.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lte=now)),
        **{severity: Count("pk", filter=Q(severity=severity)) for severity in SEVERITY_ORDER},
    )
    fixed = Vulnerability.objects.filter(fixed_at__gte=now - WINDOW, fixed_at__lte=now).values_list(
        "severity", "first_seen_at", "fixed_at", "due_at"
    )
    days: dict[str, list[float]] = {severity: [] for severity in SEVERITY_ORDER}
    with_deadline = within = 0
    for severity, first_seen, fixed_at, due in fixed:
        assert fixed_at is not None  # the filter reads only fixed ones
        if severity in days:
            days[severity].append((fixed_at - first_seen) / datetime.timedelta(days=1))
        if due is not None:
            with_deadline += 1
            within += fixed_at <= due
    return {
        "open_total": counts["total"],
        "overdue": counts["overdue"],
        "by_severity": [
            {
                "severity": severity.value,
                "label": severity.label,
                "open": counts[severity],
                "fixed": len(days[severity]),
                "median_days": round(statistics.median(days[severity]), 1) if days[severity] else None,
            }
            for severity in SEVERITY_ORDER
            # CVSS "none" is a real rating but a rare one: its row only when it counts something.
            if severity != Severity.NONE or counts[severity] or days[severity]
        ],
        "fixed_with_deadline": with_deadline,
        "fixed_within_deadline": within,
        "within_share": round(100 * within / with_deadline) if with_deadline else None,
    }


def owned_open(user):
    """The open vulnerabilities ``user`` owns or that sit on a system they own: the register's "mine" among
    its open ones (``filter_vulnerabilities(mine=True, status="open")``), so the panel's links list these."""
    return Vulnerability.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(owner=user) | Q(system__owner=user)
    )


def owner_metrics(user, now: datetime.datetime) -> dict | None:
    """``user``'s open vulnerabilities by severity (those with at least one), the overdue, how many have no
    severity yet, and the one whose deadline comes next (None: none to come). None when they own no open
    one. One aggregate, then, for an owner, one query of the next deadline's vulnerability."""
    counts = owned_open(user).aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lte=now)),
        **{severity: Count("pk", filter=Q(severity=severity)) for severity in SEVERITY_ORDER},
    )
    if not counts["total"]:
        return None
    next_one = (
        owned_open(user)
        .filter(due_at__gt=now)
        .select_related("system")
        .only("pk", "reference", "title", "due_at", "system__name")
        .order_by("due_at", "pk")
        .first()
    )
    by_severity = [
        {"severity": severity.value, "label": severity.label, "open": counts[severity]}
        for severity in SEVERITY_ORDER
        if counts[severity]
    ]
    return {
        "open_total": counts["total"],
        "overdue": counts["overdue"],
        "by_severity": by_severity,
        "unscored": counts["total"] - sum(row["open"] for row in by_severity),
        "next": next_one,
    }
