"""Reopening starts a new round from the reopening time: nothing missed while it was shut fires."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dpms.models import Notification
from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set, on_status_changed
from incidents.services.workflow import incident_acknowledge, incident_dismiss, incident_transition
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def three_days_old_sev1(**fields):
    then = timezone.now() - timedelta(days=3)
    incident = IncidentFactory(reported_at=then, noticed_at=then, status=Status.TRIAGED, severity=1, **fields)
    on_severity_set(incident=incident, now=then)
    return incident


def test_a_dismissed_incident_reopened_as_reported_runs_the_untriaged_policy_from_the_reopening(
    security_officer, admin_user
):
    incident = three_days_old_sev1()
    incident_dismiss(actor=security_officer, incident=incident, reason="A test message")
    incident = incident_transition(
        actor=security_officer, incident=incident, to="reported", reason="It was real"
    )
    incident.refresh_from_db()
    reopened = incident.escalation_started_at
    assert timezone.now() - reopened < timedelta(minutes=1)
    assert incident.next_escalation_at == reopened + timedelta(minutes=30)
    assert escalate_due(now=reopened + timedelta(minutes=1)) == 0
    assert not Notification.objects.filter(recipient=admin_user).exists()
    assert escalate_due(now=reopened + timedelta(minutes=30)) == 1
    line = incident.events.filter(kind="escalation").last()
    assert line.text == (
        "Escalated to the security officers: not triaged 30 minutes after it was reopened "
        "(untriaged level 1)."
    )


def test_a_closed_incident_reopened_counts_its_containment_target_from_the_reopening(
    security_officer, admin_user
):
    incident = three_days_old_sev1(acknowledged_at=timezone.now() - timedelta(days=3))
    incident.status = Status.CLOSED
    incident.save(update_fields=["status"])
    on_status_changed(incident=incident, now=timezone.now())
    incident = incident_transition(actor=security_officer, incident=incident, to="resolved", reason="Back")
    incident.refresh_from_db()
    reopened = incident.escalation_started_at
    assert incident.next_escalation_at is None  # nothing fires while resolved
    incident = incident_transition(
        actor=security_officer, incident=incident, to="investigating", reason="More"
    )
    # Reopening cleared the old acknowledgement; acknowledged again, only the containment target is left.
    incident = incident_acknowledge(actor=security_officer, incident=incident)
    incident.refresh_from_db()
    assert incident.next_escalation_at == reopened + timedelta(hours=4)
    assert escalate_due(now=timezone.now() + timedelta(minutes=1)) == 0
    assert not IncidentEscalation.objects.filter(incident=incident, trigger="uncontained").exists()
    assert escalate_due(now=reopened + timedelta(hours=4)) == 1
    line = incident.events.filter(kind="escalation").last()
    assert "not contained 4 hours after it was reopened" in line.text
