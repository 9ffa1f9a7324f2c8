"""Raising the severity of an acknowledged incident tells the security officers at once ("now SEV1"); the
later "not acknowledged" levels still respect the acknowledgement."""

from datetime import timedelta

import pytest

from dpms.models import Notification
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due
from incidents.services.workflow import incident_acknowledge, incident_set_severity, incident_triage
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_an_acknowledged_sev3_raised_to_sev1_tells_the_officers_and_not_the_admins(
    security_officer, admin_user
):
    incident = incident_triage(
        actor=security_officer, incident=IncidentFactory(), severity=3, handler=security_officer
    )
    incident_acknowledge(actor=security_officer, incident=incident)
    before = Notification.objects.filter(recipient=security_officer).count()
    incident = incident_set_severity(
        actor=security_officer, incident=incident, severity=1, reason="Data left"
    )
    incident.refresh_from_db()
    notes = Notification.objects.filter(recipient=security_officer).order_by("pk")
    assert notes.count() == before + 1
    assert "now SEV1 after the severity change, acknowledged already" in notes.last().subject
    fire = IncidentEscalation.objects.get(incident=incident, round=incident.escalation_round)
    assert (fire.position, fire.target) == (1, "security_officers")
    # The admins (level 2, after 15 minutes) wait for nobody: it is acknowledged.
    assert incident.next_escalation_at == incident.reported_at + timedelta(hours=4)
    assert escalate_due(now=incident.escalation_started_at + timedelta(minutes=60)) == 0
    assert not Notification.objects.filter(recipient=admin_user).exists()
