"""After two hours of downtime the first tick fires every missed level and repeat once, in order."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def minute(n):
    return T0 + timedelta(minutes=n)


@pytest.fixture
def incident(security_officer, admin_user):
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1)
    on_severity_set(incident=incident, now=T0)
    return incident


def test_the_first_tick_after_downtime_fires_the_missed_ones_once_each_in_order(incident):
    assert escalate_due(now=minute(120)) == 4
    rows = list(IncidentEscalation.objects.filter(incident=incident, position=2))
    assert [row.repeat for row in rows] == [0, 1, 2, 3]
    assert [row.due_at for row in rows] == [minute(15), minute(30), minute(45), minute(60)]
    assert {row.fired_at for row in rows} == {minute(120)}
    lines = list(incident.events.filter(kind="escalation").values_list("text", flat=True))
    assert lines[1:] == [
        "Escalated to the admins: not acknowledged 15 minutes after triage (level 2).",
        "Escalated to the admins: not acknowledged 30 minutes after triage (level 2, repeat 1 of 3).",
        "Escalated to the admins: not acknowledged 45 minutes after triage (level 2, repeat 2 of 3).",
        "Escalated to the admins: not acknowledged 1 hour after triage (level 2, repeat 3 of 3).",
    ]


def test_a_second_tick_at_the_same_minute_fires_nothing(incident):
    escalate_due(now=minute(120))
    assert escalate_due(now=minute(120)) == 0
    assert IncidentEscalation.objects.filter(incident=incident).count() == 5


def test_many_due_incidents_are_all_caught_up_across_batches(security_officer, admin_user):
    incidents = [
        IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=2) for _ in range(25)
    ]
    for incident in incidents:
        on_severity_set(incident=incident, now=T0)
    assert escalate_due(now=minute(61)) == 25  # more than one batch of 20
    assert IncidentEscalation.objects.filter(position=2).count() == 25
