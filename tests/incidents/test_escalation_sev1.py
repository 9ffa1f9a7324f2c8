"""SEV1 with a frozen clock: each level and repeat fires once, at its minute, whatever the ticks do."""

from datetime import UTC, datetime, timedelta

import pytest

from dpms.models import Notification
from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def minute(n):
    return T0 + timedelta(minutes=n)


def sev1():
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1)
    on_severity_set(incident=incident, now=T0)
    return incident


def fired(incident):
    return list(
        IncidentEscalation.objects.filter(incident=incident).values_list("position", "repeat", "target")
    )


def test_the_security_officers_are_told_at_once(security_officer, admin_user):
    incident = sev1()
    assert fired(incident) == [(1, 0, "security_officers")]
    assert Notification.objects.filter(recipient=security_officer).count() == 1
    assert not Notification.objects.filter(recipient=admin_user).exists()
    incident.refresh_from_db()
    assert incident.escalation_round == 1
    assert incident.escalation_level == 1
    assert incident.next_escalation_at == minute(15)


def test_nothing_more_fires_before_minute_fifteen(security_officer, admin_user):
    incident = sev1()
    assert escalate_due(now=minute(14)) == 0
    assert fired(incident) == [(1, 0, "security_officers")]


def test_the_admins_at_fifteen_then_every_fifteen_minutes_three_times(security_officer, admin_user):
    incident = sev1()
    for n, repeat in ((15, 0), (30, 1), (45, 2), (60, 3)):
        assert escalate_due(now=minute(n)) == 1, n
        assert escalate_due(now=minute(n)) == 0, f"a second tick at minute {n} fires nothing"
        assert fired(incident)[-1] == (2, repeat, "admins")
    assert escalate_due(now=minute(75)) == 0
    assert Notification.objects.filter(recipient=admin_user).count() == 4
    incident.refresh_from_db()
    assert incident.escalation_level == 2
    assert incident.next_escalation_at == minute(240)  # the containment target is still ahead


def test_the_escalation_line_says_whom_and_why(security_officer, admin_user):
    incident = sev1()
    escalate_due(now=minute(15))
    texts = list(incident.events.filter(kind="escalation").values_list("text", flat=True))
    assert texts == [
        "Escalated to the security officers: not acknowledged at triage (level 1).",
        "Escalated to the admins: not acknowledged 15 minutes after triage (level 2).",
    ]


def test_a_new_severity_starts_a_new_round_whose_levels_fire_again(security_officer, admin_user):
    incident = sev1()
    incident.severity = 2
    incident.save(update_fields=["severity"])
    on_severity_set(incident=incident, now=minute(5))
    assert incident.escalation_round == 2
    assert incident.next_escalation_at == minute(65)  # SEV2: the admins after 60 minutes
    rounds = list(IncidentEscalation.objects.filter(incident=incident).values_list("round", "position"))
    assert rounds == [(1, 1), (2, 1)]
    assert Notification.objects.filter(recipient=security_officer).count() == 2
