"""A reopened incident is new work: its old acknowledgement goes, someone acknowledges it again, and until
then its escalation runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.choices import Status
from incidents.services.escalation import escalate_due, on_severity_set
from incidents.services.workflow import incident_acknowledge, incident_dismiss, incident_transition
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acknowledged_sev1(security_officer):
    then = timezone.now() - timedelta(days=3)
    incident = IncidentFactory(
        reported_at=then,
        noticed_at=then,
        status=Status.TRIAGED,
        severity=1,
        acknowledged_at=then,
        acknowledged_by=security_officer,
    )
    on_severity_set(incident=incident, now=then)
    return incident


def test_a_reopened_report_is_acknowledged_again_and_that_stops_its_escalation(
    acknowledged_sev1, security_officer, admin_user
):
    incident_dismiss(actor=security_officer, incident=acknowledged_sev1, reason="A test message")
    incident = incident_transition(
        actor=security_officer, incident=acknowledged_sev1, to=Status.REPORTED, reason="It was real"
    )
    incident.refresh_from_db()
    assert incident.acknowledged_at is None
    incident = incident_acknowledge(actor=security_officer, incident=incident)
    incident.refresh_from_db()
    assert escalate_due(now=incident.escalation_started_at + timedelta(hours=5)) == 0


def test_an_unacknowledged_reopened_report_escalates(acknowledged_sev1, security_officer, admin_user):
    incident_dismiss(actor=security_officer, incident=acknowledged_sev1, reason="A test message")
    incident = incident_transition(
        actor=security_officer, incident=acknowledged_sev1, to=Status.REPORTED, reason="It was real"
    )
    incident.refresh_from_db()
    assert escalate_due(now=incident.escalation_started_at + timedelta(hours=5)) >= 1
