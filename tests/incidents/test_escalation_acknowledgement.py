"""Acknowledgement stops the "not acknowledged" levels; the containment target runs on until contained."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_acknowledged, on_severity_set, on_status_changed
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def minute(n):
    return T0 + timedelta(minutes=n)


@pytest.fixture
def incident(security_officer, admin_user):
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1)
    on_severity_set(incident=incident, now=T0)
    escalate_due(now=minute(15))
    return incident


def acknowledge(incident, n):
    incident.acknowledged_at = minute(n)
    incident.save(update_fields=["acknowledged_at"])
    on_acknowledged(incident=incident, now=minute(n))


def fires(incident):
    return list(
        IncidentEscalation.objects.filter(incident=incident).values_list("trigger", "position", "repeat")
    )


def test_acknowledging_at_minute_twenty_stops_the_repeats(incident):
    acknowledge(incident, 20)
    assert incident.next_escalation_at == minute(240)
    assert escalate_due(now=minute(30)) == 0
    assert escalate_due(now=minute(60)) == 0
    assert fires(incident) == [("unacknowledged", 1, 0), ("unacknowledged", 2, 0)]


def test_the_containment_target_still_fires_at_four_hours(incident, admin_user):
    acknowledge(incident, 20)
    assert escalate_due(now=minute(239)) == 0
    assert escalate_due(now=minute(240)) == 1
    assert fires(incident)[-1] == ("uncontained", 1, 0)
    line = incident.events.filter(kind="escalation").last()
    assert (
        line.text
        == "Escalated to the admins: not contained 4 hours after it was reported (containment level 1)."
    )
    incident.refresh_from_db()
    assert incident.next_escalation_at is None


def test_containment_stops_the_containment_target(incident):
    acknowledge(incident, 20)
    incident.status, incident.contained_at = Status.CONTAINED, minute(100)
    incident.save(update_fields=["status", "contained_at"])
    on_status_changed(incident=incident, now=minute(100))
    assert incident.next_escalation_at is None
    assert escalate_due(now=minute(240)) == 0
    assert len(fires(incident)) == 2


def test_going_back_from_contained_brings_an_overdue_containment_target_to_the_next_tick(incident):
    acknowledge(incident, 20)
    incident.status = Status.CONTAINED
    incident.save(update_fields=["status"])
    on_status_changed(incident=incident, now=minute(100))
    incident.status = Status.INVESTIGATING
    incident.save(update_fields=["status"])
    on_status_changed(incident=incident, now=minute(300))
    assert incident.next_escalation_at == minute(240)
    assert escalate_due(now=minute(301)) == 1
    assert fires(incident)[-1] == ("uncontained", 1, 0)


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED, Status.DISMISSED])
def test_nothing_fires_for_a_resolved_closed_or_dismissed_incident(incident, status):
    incident.status = status
    incident.save(update_fields=["status"])
    on_status_changed(incident=incident, now=minute(20))
    assert incident.next_escalation_at is None
    assert escalate_due(now=minute(500)) == 0
    assert len(fires(incident)) == 2
