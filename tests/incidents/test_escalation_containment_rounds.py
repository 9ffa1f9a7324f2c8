"""A containment target counts from the report and fires once per incident for the same target and minute,
however often the severity changes back and forth."""

from datetime import UTC, datetime, timedelta

import pytest

from dpms.models import Notification
from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def minute(n):
    return T0 + timedelta(minutes=n)


def set_severity(incident, severity, n):
    incident.severity = severity
    incident.save(update_fields=["severity"])
    on_severity_set(incident=incident, now=minute(n))


def containment_notes(admin_user):
    return Notification.objects.filter(recipient=admin_user, subject__contains="not contained")


def test_sev1_then_sev2_then_sev1_again_sends_the_four_hour_containment_escalation_once(
    security_officer, admin_user
):
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1)
    on_severity_set(incident=incident, now=T0)
    escalate_due(now=minute(300))  # five hours: the 4-hour containment target fired
    assert containment_notes(admin_user).count() == 1
    set_severity(incident, 2, 301)
    set_severity(incident, 1, 302)
    assert incident.next_escalation_at == minute(302 + 15)  # the admins, not the containment target
    escalate_due(now=minute(600))
    assert containment_notes(admin_user).count() == 1
    assert IncidentEscalation.objects.filter(incident=incident, trigger="uncontained").count() == 1


def test_a_containment_target_not_reached_yet_still_fires_in_the_new_round(security_officer, admin_user):
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=2)
    on_severity_set(incident=incident, now=T0)
    set_severity(incident, 1, 60)
    escalate_due(now=minute(240))
    fire = IncidentEscalation.objects.get(incident=incident, trigger="uncontained")
    assert fire.due_at == minute(240)  # from the report, not from the severity change
    assert containment_notes(admin_user).count() == 1
