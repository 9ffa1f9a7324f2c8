"""Moving an incident on is working on it: it is acknowledged then if nobody pressed "Acknowledge", so the
time to acknowledge is known and the escalation stops."""

import pytest

from incidents.choices import EventKind, Status
from incidents.services.workflow import incident_transition
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


def test_moving_an_unacknowledged_incident_on_acknowledges_it(staff, security_officer):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer)
    assert incident.acknowledged_at is None
    incident = incident_transition(actor=security_officer, incident=incident, to=Status.INVESTIGATING)
    incident.refresh_from_db()
    assert incident.acknowledged_by == security_officer
    assert incident.acknowledged_at is not None
    assert incident.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1


def test_going_back_does_not_acknowledge(staff, security_officer):
    incident = incident_at(Status.CONTAINED, reporter=staff, handler=security_officer)
    incident = incident_transition(
        actor=security_officer, incident=incident, to=Status.INVESTIGATING, reason="Spread again"
    )
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
