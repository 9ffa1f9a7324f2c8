"""Every escalation and every notification it sends is on the incident's timeline and in the audit trail;
a level that reaches nobody is recorded too, so nothing is silently lost."""

from datetime import UTC, datetime, timedelta

import pytest

from dpms.models import AuditEvent, Notification, OutboxEmail
from incidents.choices import EventKind, Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sev1(**fields):
    incident = IncidentFactory(
        reported_at=T0,
        noticed_at=T0,
        status=Status.TRIAGED,
        severity=1,
        title="Payroll export leaked",
        **fields,
    )
    on_severity_set(incident=incident, now=T0)
    return incident


def test_each_escalation_and_each_notification_is_a_timeline_line(security_officer, admin_user):
    incident = sev1()
    for n in (15, 30, 45, 60):
        escalate_due(now=T0 + timedelta(minutes=n))
    escalations = incident.events.filter(kind=EventKind.ESCALATION)
    notifications = incident.events.filter(kind=EventKind.NOTIFICATION)
    assert escalations.count() == 5
    assert notifications.count() == 5
    assert all(line.internal for line in [*escalations, *notifications])
    texts = list(notifications.values_list("text", flat=True))
    assert texts[0].endswith("sent to Olga Officer (level 1)")
    assert all("sent to Adam Admin" in text for text in texts[1:])
    assert AuditEvent.objects.filter(action="incident.escalated", object_id=str(incident.pk)).count() == 5


def test_the_admins_get_an_email_naming_the_incident_and_why(security_officer, admin_user):
    incident = sev1()
    escalate_due(now=T0 + timedelta(minutes=15))
    note = Notification.objects.get(recipient=admin_user)
    assert note.subject == f"Escalation: {incident.reference} (SEV1) not acknowledged 15 minutes after triage"
    assert "Payroll export leaked" in note.body
    assert note.link == f"/incidents/{incident.pk}/"
    email = OutboxEmail.objects.get(to=admin_user.email)  # the worker sends it (see test_escalation_celery)
    assert email.subject == note.subject


def test_the_admins_learn_only_reference_and_severity_of_a_confidential_incident(
    security_officer, admin_user
):
    incident = sev1(confidential=True)
    escalate_due(now=T0 + timedelta(minutes=15))
    note = Notification.objects.get(recipient=admin_user)
    assert "Payroll" not in note.subject + note.body
    assert f"{incident.reference} (confidential)" in note.body


def test_a_confidential_incident_tells_only_the_security_officers_added_to_it(security_officer, admin_user):
    handler = UserFactory(full_name="Hana Handler", roles=["security officer"])
    incident = sev1(confidential=True, handler=handler)
    fire = IncidentEscalation.objects.get(incident=incident)
    assert [person["name"] for person in fire.recipients] == ["Hana Handler"]
    assert not Notification.objects.filter(recipient=security_officer).exists()


def test_a_level_that_reaches_nobody_is_recorded_and_said_on_the_timeline(security_officer):
    incident = sev1()  # there are no admins
    assert escalate_due(now=T0 + timedelta(minutes=15)) == 1
    fire = IncidentEscalation.objects.get(incident=incident, position=2)
    assert fire.recipients == []
    line = incident.events.filter(kind=EventKind.ESCALATION).last()
    assert line.text == (
        "Escalated to the admins: not acknowledged 15 minutes after triage (level 2). "
        "Nobody could be told: there are no active admins."
    )
    assert escalate_due(now=T0 + timedelta(minutes=15)) == 0
