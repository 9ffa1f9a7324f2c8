"""Triage, dismissal and acknowledgement by security officers and handlers."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent, Notification
from incidents.choices import Category, EventKind, Severity, Status
from incidents.models import Incident
from incidents.services import escalation
from incidents.services.workflow import (
    incident_acknowledge,
    incident_dismiss,
    incident_set_category,
    incident_set_handler,
    incident_set_severity,
    incident_triage,
)
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooks(monkeypatch):
    """Record the escalation hooks the workflow calls (their effects are the escalation area's tests)."""
    calls = []
    for name in ("on_severity_set", "on_acknowledged", "on_status_changed"):
        monkeypatch.setattr(
            escalation, name, lambda *, incident, now, actor=None, name=name: calls.append(name)
        )
    return calls


def triage(actor, incident, **extra):
    values = {"severity": Severity.SEV2, "handler": actor}
    return incident_triage(actor=actor, incident=incident, **(values | extra))


def test_triage_sets_severity_handler_and_tells_the_handler_and_reporter(
    staff, security_officer, manager, hooks
):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    triaged = triage(security_officer, incident, handler=manager, category=Category.MALWARE)
    assert (triaged.status, triaged.severity, triaged.handler) == (Status.TRIAGED, 2, manager)
    assert (triaged.triaged_by, triaged.category) == (security_officer, Category.MALWARE)
    assert triaged.triaged_at is not None
    assert "on_severity_set" in hooks
    assert Notification.objects.filter(recipient=manager, subject__contains="yours to handle").exists()
    assert Notification.objects.filter(recipient=staff, subject__contains="being handled").exists()
    assert triaged.events.filter(kind=EventKind.CATEGORY, text__contains="Phishing to Malware").exists()
    assert AuditEvent.objects.get(action="incident.triage").changes["severity"] == [None, 2]


def test_triage_as_a_personal_data_breach_starts_the_clock(staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    triaged = triage(security_officer, incident, is_breach=True, severity=Severity.SEV1)
    assert triaged.is_breach
    assert triaged.authority_deadline is not None


def test_a_personal_data_breach_is_sev1_unless_a_protected_lost_device(staff, security_officer):
    """The SEV1 definition covers any exposure of personal data; the SEV3 one a lost device encrypted and
    wiped. Triage, a later severity change and a category correction all keep to it."""
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None, category=Category.DATA_EXPOSURE)
    with pytest.raises(ValidationError, match="A personal-data breach is SEV1") as refused:
        triage(security_officer, incident, is_breach=True, severity=Severity.SEV2)
    assert "severity" in refused.value.message_dict
    assert not Incident.objects.get(pk=incident.pk).is_breach

    lost = incident_at(Status.REPORTED, reporter=staff, handler=None, category=Category.LOST_DEVICE)
    lost = triage(security_officer, lost, is_breach=True, severity=Severity.SEV3)
    assert (lost.is_breach, lost.severity) == (True, Severity.SEV3)
    with pytest.raises(ValidationError, match="A personal-data breach is SEV1"):
        incident_set_category(actor=security_officer, incident=lost, category=Category.DATA_EXPOSURE)

    breach = triage(security_officer, incident, is_breach=True, severity=Severity.SEV1)
    with pytest.raises(ValidationError, match="A personal-data breach is SEV1"):
        incident_set_severity(actor=security_officer, incident=breach, severity=Severity.SEV2)
    assert Incident.objects.get(pk=incident.pk).severity == Severity.SEV1


def test_triage_refuses_a_non_officer_and_an_incident_past_triage(staff, manager, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    with pytest.raises(PermissionDenied):
        triage(manager, incident)
    investigating = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    with pytest.raises(ValidationError, match="Only a reported or triaged incident is triaged"):
        triage(security_officer, investigating)


def test_triage_needs_an_active_handler_and_a_severity(staff, security_officer, outsider):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    outsider.is_active = False
    outsider.save()
    with pytest.raises(ValidationError) as refused:
        triage(security_officer, incident, handler=outsider)
    assert "handler" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        triage(security_officer, incident, severity=7)
    assert "severity" in refused.value.message_dict


def test_confidential_triage_keeps_the_officer_on_the_incident(staff, security_officer, manager):
    from incidents.queries.visibility import can_see

    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    triaged = triage(security_officer, incident, handler=manager, confidential=True)
    assert triaged.confidential
    assert can_see(security_officer, triaged)


@pytest.mark.parametrize("status", [Status.REPORTED, Status.TRIAGED])
def test_dismissal_with_a_reason_from_reported_or_triaged(status, staff, security_officer):
    incident = incident_at(status, reporter=staff, handler=security_officer)
    dismissed = incident_dismiss(actor=security_officer, incident=incident, reason="A marketing email")
    assert (dismissed.status, dismissed.dismissal_reason) == (Status.DISMISSED, "A marketing email")
    assert dismissed.dismissed_at is not None
    assert Notification.objects.filter(recipient=staff, subject__contains="dismissed").exists()


def test_dismissal_needs_a_reason_and_an_early_status(staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    with pytest.raises(ValidationError) as refused:
        incident_dismiss(actor=security_officer, incident=incident, reason="")
    assert "reason" in refused.value.message_dict
    investigating = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    with pytest.raises(ValidationError, match="Only a reported or triaged incident is dismissed"):
        incident_dismiss(actor=security_officer, incident=investigating, reason="Nothing")


def test_acknowledgement_is_recorded_once_with_its_time(staff, security_officer, hooks):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer)
    acknowledged = incident_acknowledge(actor=security_officer, incident=incident)
    assert acknowledged.acknowledged_by == security_officer
    assert acknowledged.acknowledged_at is not None
    assert hooks == ["on_acknowledged"]
    with pytest.raises(ValidationError, match="Already acknowledged by Olga Officer at"):
        incident_acknowledge(actor=security_officer, incident=incident)
    acknowledged.refresh_from_db()
    assert acknowledged.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1


def test_the_handler_acknowledges_but_the_reporter_and_auditors_do_not(staff, manager, auditor):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=manager)
    for person in (staff, auditor):
        with pytest.raises(PermissionDenied):
            incident_acknowledge(actor=person, incident=incident)
    assert incident_acknowledge(actor=manager, incident=incident).acknowledged_by == manager


def test_severity_and_handler_changes_are_logged_and_told(staff, security_officer, manager, hooks):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    incident_set_severity(actor=security_officer, incident=incident, severity=Severity.SEV1)
    incident_set_handler(actor=security_officer, incident=incident, handler=manager)
    incident.refresh_from_db()
    assert (incident.severity, incident.handler) == (1, manager)
    assert hooks == ["on_severity_set"]
    texts = list(incident.events.values_list("text", flat=True))
    assert "Severity: SEV3 → SEV1." in texts
    assert "Handler: Olga Officer → Mona Manager." in texts
    assert Notification.objects.filter(recipient=manager, subject__contains="yours to handle").exists()
