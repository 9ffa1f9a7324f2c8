"""Shared by the queue and metrics tests: reading the queue page, and incidents at given clock states."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from incidents.choices import AuthorityDecision, Status
from incidents.models import Incident
from tests.incidents.factories import IncidentFactory

QUEUE = reverse("incidents:queue")
METRICS = reverse("incidents:metrics")


def listed(client, **params) -> list[str]:
    """The references the queue shows for ``params``, in page order (asserting a 200)."""
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return [row["reference"] for row in response.context["page"].object_list]


def breach(reference, *, aware_hours_ago, decision="", decided_after_hours=None, **fields):
    """A personal-data breach aware ``aware_hours_ago``; with ``decision``, decided ``decided_after_hours``
    after awareness (notified at that time)."""
    now = timezone.now()
    aware_at = now - timedelta(hours=aware_hours_ago)
    fields.setdefault("status", Status.INVESTIGATING)
    fields.setdefault("severity", 1)
    incident = IncidentFactory(
        reference=reference,
        is_breach=True,
        aware_at=aware_at,
        authority_deadline=aware_at + timedelta(hours=72),
        **fields,
    )
    if decision:
        decided_at = aware_at + timedelta(hours=decided_after_hours)
        incident.authority_decision = decision
        incident.authority_decided_at = decided_at
        if decision == AuthorityDecision.NOTIFIED:
            incident.authority_notified_at = decided_at
        incident.save()
    return incident


STATUSES = [Status.REPORTED, Status.TRIAGED, Status.INVESTIGATING, Status.CONTAINED, Status.CLOSED]


def make_incidents(count, *, handlers, reporters):
    """``count`` incidents in every status, a third of them breaches, some escalating, some NIS2."""
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(
            reference=f"INC-2026-{n:04d}",
            title=f"Incident {n}",
            description="Bulk",
            category="phishing",
            reported_by=reporters[n % len(reporters)],
            reported_at=now - timedelta(hours=n),
            noticed_at=now - timedelta(hours=n),
            status=STATUSES[n % len(STATUSES)],
            severity=None if n % 5 == 0 else n % 4 + 1,
            handler=handlers[n % len(handlers)] if n % 5 else None,
            acknowledged_at=now if n % 2 else None,
            resolved_at=now if n % 5 == 4 else None,
            is_breach=n % 3 == 0,
            aware_at=now - timedelta(hours=n % 90) if n % 3 == 0 else None,
            authority_deadline=now + timedelta(hours=72 - n % 90) if n % 3 == 0 else None,
            next_escalation_at=now + timedelta(minutes=n) if n % 4 == 1 else None,
            nis2_significant=n % 7 == 0,
            nis2_final_report_deadline=now + timedelta(days=30) if n % 7 == 0 else None,
            confidential=n % 11 == 0,
        )
        for n in range(count)
    )
