"""One incident that cannot be escalated does not hold up the others, and is tried again next tick."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services import escalation
from incidents.services.escalation import escalate_due, on_severity_set
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_failing_incident_is_left_for_the_next_tick_and_the_others_fire(
    monkeypatch, security_officer, admin_user
):
    broken, fine = (
        IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=2) for _ in range(2)
    )
    for incident in (broken, fine):
        on_severity_set(incident=incident, now=T0)
    real = escalation._recipients

    def recipients(incident, level):
        if incident.pk == broken.pk:
            raise RuntimeError("mail directory unreachable")
        return real(incident, level)

    monkeypatch.setattr(escalation, "_recipients", recipients)
    with pytest.raises(RuntimeError, match="Escalation failed for 1 incident"):
        escalate_due(now=T0 + timedelta(minutes=60))
    assert IncidentEscalation.objects.filter(incident=fine, position=2).exists()
    assert not IncidentEscalation.objects.filter(incident=broken, position=2).exists()
    broken.refresh_from_db()
    assert broken.next_escalation_at == T0 + timedelta(minutes=60)  # still due

    monkeypatch.setattr(escalation, "_recipients", real)
    assert escalate_due(now=T0 + timedelta(minutes=61)) == 1
    assert IncidentEscalation.objects.filter(incident=broken, position=2).exists()
