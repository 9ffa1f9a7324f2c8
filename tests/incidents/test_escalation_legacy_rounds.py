"""A round set up without a stored plan (the demo data, rows from before plans existed) runs from the current
policy, copied onto the incident the first time the tick looks at it."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_round_without_a_plan_fires_from_the_current_policy(security_officer, admin_user):
    incident = IncidentFactory(
        reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=2, escalation_round=1,
        escalation_started_at=T0, next_escalation_at=T0 + timedelta(minutes=60),
    )  # fmt: skip
    assert escalate_due(now=T0 + timedelta(minutes=60)) == 2  # level 1 (missed) and level 2, in order
    fires = IncidentEscalation.objects.filter(incident=incident).order_by("pk")
    assert [(fire.position, fire.target) for fire in fires] == [(1, "security_officers"), (2, "admins")]
    incident.refresh_from_db()
    assert [entry["after_minutes"] for entry in incident.escalation_plan] == [0, 60, 1440]
    assert incident.next_escalation_at == T0 + timedelta(hours=24)
