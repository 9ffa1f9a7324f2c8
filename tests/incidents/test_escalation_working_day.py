"""SEV3 and SEV4 reach the admins after one working day: Friday 16:00 in Berlin becomes Monday 16:00."""

import zoneinfo
from datetime import datetime, timedelta

import pytest

from dpms.models import Notification
from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
FRIDAY_4PM = datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN)
MONDAY_4PM = datetime(2026, 11, 30, 16, 0, tzinfo=BERLIN)


@pytest.mark.parametrize("severity", [3, 4])
def test_reported_friday_afternoon_reaches_the_admins_on_monday_afternoon(
    settings, security_officer, admin_user, severity
):
    settings.TIME_ZONE = "Europe/Berlin"
    incident = IncidentFactory(
        reported_at=FRIDAY_4PM, noticed_at=FRIDAY_4PM, status=Status.TRIAGED, severity=severity
    )
    on_severity_set(incident=incident, now=FRIDAY_4PM)
    assert incident.next_escalation_at == MONDAY_4PM
    assert escalate_due(now=MONDAY_4PM - timedelta(minutes=1)) == 0
    assert escalate_due(now=MONDAY_4PM) == 1
    assert IncidentEscalation.objects.filter(incident=incident, target="admins").count() == 1
    assert Notification.objects.filter(recipient=admin_user).count() == 1
    line = incident.events.filter(kind="escalation").last()
    assert line.text == "Escalated to the admins: not acknowledged 1 working day after triage (level 2)."
