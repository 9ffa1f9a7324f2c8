"""References stay unique when incidents are reported at the same time (real row locks: PostgreSQL)."""

import datetime

import pytest

from incidents.choices import Category
from incidents.models import Incident
from incidents.services.reporting import incident_report
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def test_concurrent_reports_get_distinct_consecutive_references(requires_postgres, staff, security_officer):
    now = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)

    def report(n):
        incident_report(
            actor=staff,
            title=f"Concurrent report {n}",
            description="Everyone saw it at once.",
            category=Category.AVAILABILITY,
            noticed_at=now - datetime.timedelta(minutes=1),
            now=now,
        )

    at_once(*(lambda n=n: report(n) for n in range(THREADS)))  # raises if any of them failed
    references = sorted(Incident.objects.values_list("reference", flat=True))
    assert references == [f"INC-2026-{n:04d}" for n in range(1, THREADS + 1)]
