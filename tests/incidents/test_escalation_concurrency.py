"""Two ticks at the same moment on PostgreSQL fire each level once (real row locks and unique keys)."""

from datetime import UTC, datetime, timedelta

import pytest

from dpms.models import Notification
from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set
from tests.concurrency import same_call_at_once
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
    # Raises if any of them failed.
    counts = same_call_at_once(lambda: escalate_due(now=T0 + timedelta(minutes=120)), THREADS)
    # Level 2 was due four times during the two hours: sent once per incident, the rest recorded as skipped.
    assert sum(counts) == 5
    assert IncidentEscalation.objects.filter(position=2).count() == 5 * 4
    assert Notification.objects.filter(recipient=admin_user).count() == 5
    for incident in incidents:
        repeats = IncidentEscalation.objects.filter(incident=incident, position=2).order_by("repeat")
        assert [(row.repeat, row.skipped) for row in repeats] == [(0, True), (1, True), (2, True), (3, False)]
