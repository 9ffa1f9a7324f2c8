"""After two hours of downtime the first tick catches up: each missed level fires once, in order; of several
repeats of one level due at once only the latest is sent, the earlier ones are recorded as skipped."""

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


@pytest.fixture
def incident(security_officer, admin_user):
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1)
    on_severity_set(incident=incident, now=T0)
    return incident


def test_after_two_hours_of_downtime_the_officers_and_the_admins_are_each_told_once_in_order(
    incident, security_officer, admin_user
):
    assert escalate_due(now=minute(120)) == 1
    assert Notification.objects.filter(recipient=security_officer).count() == 1
    assert Notification.objects.filter(recipient=admin_user).count() == 1
    lines = list(incident.events.filter(kind="escalation").values_list("text", flat=True))
    assert lines == [
        "Escalated to the security officers: not acknowledged at triage (level 1).",
        "Escalated to the admins: not acknowledged 1 hour after triage (level 2, repeat 3 of 3). "
        "Level 2 and its repeats 1-3 were due during downtime; sent once.",
    ]


def test_the_earlier_repeats_are_recorded_as_skipped(incident):
    escalate_due(now=minute(120))
    rows = list(IncidentEscalation.objects.filter(incident=incident, position=2).order_by("repeat"))
    assert [(row.repeat, row.skipped) for row in rows] == [(0, True), (1, True), (2, True), (3, False)]
    assert [row.due_at for row in rows] == [minute(15), minute(30), minute(45), minute(60)]
    assert {row.fired_at for row in rows} == {minute(120)}
    assert [row.recipients for row in rows[:3]] == [[], [], []]


def test_repeats_due_during_a_shorter_outage_are_named(incident):
    escalate_due(now=minute(15))
    escalate_due(now=minute(50))  # repeats 1 (minute 30) and 2 (minute 45) were due
    line = incident.events.filter(kind="escalation").last()
    assert line.text.endswith(
        "(level 2, repeat 2 of 3). Repeats 1-2 of level 2 were due during downtime; sent once."
    )


def test_a_second_tick_at_the_same_minute_fires_nothing(incident):
    escalate_due(now=minute(120))
    assert escalate_due(now=minute(120)) == 0
    assert IncidentEscalation.objects.filter(incident=incident).count() == 5


def test_many_due_incidents_are_all_caught_up_across_batches(security_officer, admin_user):
    incidents = [
        IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=2) for _ in range(25)
    ]
    for incident in incidents:
        on_severity_set(incident=incident, now=T0)
    assert escalate_due(now=minute(61)) == 25  # more than one batch of 20
    assert IncidentEscalation.objects.filter(position=2).count() == 25


def test_each_missed_level_fires_once_in_the_order_they_came_due(security_officer, admin_user, manager):
    from incidents.services.escalation_policies import policy_update

    levels = [
        {"trigger": "unacknowledged", "after_minutes": 0, "target": "security_officers"},
        {"trigger": "unacknowledged", "after_minutes": 20, "target": "person", "person": manager},
        {
            "trigger": "unacknowledged",
            "after_minutes": 10,
            "target": "admins",
            "repeat_count": 5,
            "repeat_every_minutes": 10,
        },
    ]
    policy_update(actor=security_officer, severity=2, levels=levels, now=T0)
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=2)
    on_severity_set(incident=incident, now=T0)
    assert escalate_due(now=minute(120)) == 2
    sent = IncidentEscalation.objects.filter(incident=incident, skipped=False).order_by("pk")
    assert [(row.position, row.repeat, row.target) for row in sent] == [
        (1, 0, "security_officers"),
        (2, 5, "admins"),  # first due at minute 10: before the named person's level
        (3, 0, "person"),
    ]
    assert Notification.objects.filter(recipient=admin_user).count() == 1
    assert Notification.objects.filter(recipient=manager).count() == 1
