"""A policy edit in the middle of a round neither fires a level twice nor skips one: the round fires from the
levels it started with; the edit applies to rounds started after it."""

from datetime import UTC, datetime, timedelta

import pytest

from dpms.models import Notification
from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import escalate_due, on_severity_set
from incidents.services.escalation_policies import default_levels, policy_update
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def minute(n):
    return T0 + timedelta(minutes=n)


def insert_a_level_at_minute_five(actor, person):
    levels = default_levels(1)
    levels.append({"trigger": "unacknowledged", "after_minutes": 5, "target": "person", "person": person})
    policy_update(actor=actor, severity=1, levels=levels, now=minute(20))


def test_inserting_a_level_mid_round_neither_repeats_the_admins_nor_skips(
    security_officer, admin_user, manager
):
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1)
    on_severity_set(incident=incident, now=T0)
    escalate_due(now=minute(15))  # the admins, level 2
    insert_a_level_at_minute_five(security_officer, manager)  # renumbers the admins to level 3
    assert escalate_due(now=minute(20)) == 0
    assert Notification.objects.filter(recipient=admin_user).count() == 1
    assert escalate_due(now=minute(30)) == 1
    fires = list(
        IncidentEscalation.objects.filter(incident=incident).values_list("position", "repeat", "target")
    )
    assert fires == [(1, 0, "security_officers"), (2, 0, "admins"), (2, 1, "admins")]
    assert Notification.objects.filter(recipient=admin_user).count() == 2
    assert not Notification.objects.filter(recipient=manager).exists()


def test_a_round_started_after_the_edit_uses_the_new_level(security_officer, admin_user, manager):
    insert_a_level_at_minute_five(security_officer, manager)
    incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1)
    on_severity_set(incident=incident, now=minute(30))
    assert incident.next_escalation_at == minute(35)
    assert escalate_due(now=minute(35)) == 1
    fire = IncidentEscalation.objects.get(incident=incident, position=2)
    assert fire.target == "person"
    assert fire.recipients[0]["email"] == manager.email
    assert incident.escalation_plan[1]["person_name"] == str(manager)
