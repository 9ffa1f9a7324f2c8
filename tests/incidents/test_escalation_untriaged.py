"""An untriaged report escalates: the security officers after 30 minutes, the admins after 4 hours, while it
is reported and nobody acknowledged it; triage or dismissal ends that round."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from dpms.models import Notification
from incidents.models import EscalationLevel, IncidentEscalation
from incidents.services.escalation import escalate_due
from incidents.services.reporting import incident_report
from incidents.services.workflow import incident_acknowledge, incident_dismiss, incident_triage

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EDIT_UNTRIAGED = reverse("incidents:escalation_policy_edit", args=[0])


def minute(n):
    return T0 + timedelta(minutes=n)


def report(staff, now=T0):
    return incident_report(
        actor=staff,
        title="Odd login",
        description="Someone logged in as me.",
        category="phishing",
        noticed_at=now,
        now=now,
    )


def escalation_lines(incident):
    return list(incident.events.filter(kind="escalation").values_list("text", flat=True))


def test_a_report_nobody_triages_reaches_the_officers_then_the_admins(staff, security_officer, admin_user):
    incident = report(staff)
    assert incident.next_escalation_at == minute(30)
    assert escalate_due(now=minute(29)) == 0
    assert escalate_due(now=minute(30)) == 1
    assert escalate_due(now=minute(240)) == 1
    assert escalation_lines(incident) == [
        "Escalated to the security officers: not triaged 30 minutes after it was reported "
        "(untriaged level 1).",
        "Escalated to the admins: not triaged 4 hours after it was reported (untriaged level 2).",
    ]
    note = Notification.objects.get(recipient=admin_user)
    assert "needs someone to triage it now" in note.body


def test_triage_ends_the_untriaged_round(staff, security_officer, admin_user):
    incident = report(staff, now=datetime.now(UTC) - timedelta(hours=5))  # both levels overdue, never ticked
    incident = incident_triage(
        actor=security_officer, incident=incident, severity=3, handler=security_officer
    )
    incident.refresh_from_db()
    escalate_due(now=datetime.now(UTC) + timedelta(minutes=1))
    assert escalation_lines(incident) == [
        "Escalated to the security officers: not acknowledged at triage (level 1)."
    ]
    assert not Notification.objects.filter(recipient=admin_user).exists()


def test_dismissal_or_acknowledgement_ends_it(staff, security_officer):
    dismissed = report(staff, now=datetime.now(UTC))
    incident_dismiss(actor=security_officer, incident=dismissed, reason="Not an incident")
    acknowledged = report(staff, now=datetime.now(UTC))
    incident_acknowledge(actor=security_officer, incident=acknowledged)
    for incident in (dismissed, acknowledged):
        incident.refresh_from_db()
        assert incident.next_escalation_at is None
    assert escalate_due(now=datetime.now(UTC) + timedelta(hours=5)) == 0
    assert not IncidentEscalation.objects.exists()


def test_the_untriaged_policy_is_edited_like_the_others(client_for, security_officer, staff, admin_user):
    client = client_for(security_officer)
    page = client.get(EDIT_UNTRIAGED)
    assert page.status_code == 200
    assert "Edit the Untriaged reports escalation policy" in page.content.decode()
    data = {
        "levels-TOTAL_FORMS": "1",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "10",
        "levels-0-trigger": "unacknowledged",
        "levels-0-after_minutes": "10",
        "levels-0-target": "admins",
        "levels-0-repeat_count": "0",
    }
    assert client.post(EDIT_UNTRIAGED, data).status_code == 302
    assert list(
        EscalationLevel.objects.filter(policy__severity=0).values_list("after_minutes", "target")
    ) == [(10, "admins")]
    assert report(staff).next_escalation_at == minute(10)


def test_the_untriaged_policy_refuses_a_containment_level(client_for, security_officer):
    data = {
        "levels-TOTAL_FORMS": "2",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "10",
        "levels-0-trigger": "unacknowledged",
        "levels-0-after_minutes": "10",
        "levels-0-target": "admins",
        "levels-0-repeat_count": "0",
        "levels-1-trigger": "uncontained",
        "levels-1-after_minutes": "60",
        "levels-1-target": "admins",
        "levels-1-repeat_count": "0",
    }
    response = client_for(security_officer).post(EDIT_UNTRIAGED, data)
    assert response.status_code == 400
    assert "An untriaged report has no containment target yet" in response.content.decode()
