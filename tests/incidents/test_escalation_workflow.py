"""Through the workflow services: triage starts the policy, acknowledgement stops it (real clock)."""

from datetime import timedelta

import pytest

from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due
from incidents.services.workflow import incident_acknowledge, incident_triage
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_triage_tells_the_officers_and_acknowledgement_leaves_only_the_containment_target(
    security_officer, admin_user
):
    incident = IncidentFactory()
    incident = incident_triage(
        actor=security_officer, incident=incident, severity=1, handler=security_officer
    )
    incident.refresh_from_db()
    assert IncidentEscalation.objects.filter(incident=incident).count() == 1
    assert incident.next_escalation_at == incident.escalation_started_at + timedelta(minutes=15)
    incident_acknowledge(actor=security_officer, incident=incident)
    incident.refresh_from_db()
    assert incident.next_escalation_at == incident.reported_at + timedelta(hours=4)
    assert escalate_due(now=incident.escalation_started_at + timedelta(minutes=60)) == 0
