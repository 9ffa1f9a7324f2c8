"""Two ticks at the same moment on PostgreSQL fire each level once (real row locks and unique keys)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from dpms.models import Notification
from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
THREADS = 2


def test_two_concurrent_ticks_fire_each_level_once(requires_postgres, security_officer, admin_user):
    incidents = [
        IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1) for _ in range(5)
    ]
    for incident in incidents:
        on_severity_set(incident=incident, now=T0)
    barrier = threading.Barrier(THREADS)
    counts, errors = [], []

    def tick():
        try:
            barrier.wait()
            counts.append(escalate_due(now=T0 + timedelta(minutes=120)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Level 2 was due four times during the two hours: sent once per incident, the rest recorded as skipped.
    assert sum(counts) == 5
    assert IncidentEscalation.objects.filter(position=2).count() == 5 * 4
    assert Notification.objects.filter(recipient=admin_user).count() == 5
    for incident in incidents:
        repeats = IncidentEscalation.objects.filter(incident=incident, position=2).order_by("repeat")
        assert [(row.repeat, row.skipped) for row in repeats] == [(0, True), (1, True), (2, True), (3, False)]
