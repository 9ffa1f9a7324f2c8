"""Marking a personal-data breach starts the 72-hour clock from awareness; awareness changes need a reason."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent, Notification
from incidents.choices import EventKind, PersonalData, Status
from incidents.models import Incident
from incidents.services.breach import breach_mark, breach_set_awareness
from tests.factories import UserFactory
from tests.incidents.breach_support import AWARE, UTC, after, hours, make_breach
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_deadline_is_awareness_plus_72_elapsed_hours(security_officer):
    incident = make_breach(security_officer)
    assert incident.aware_at == AWARE
    assert incident.authority_deadline == datetime.datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
    assert incident.authority_deadline - incident.aware_at == hours(72)
    assert incident.personal_data == PersonalData.YES
    assert incident.authority_clock_running


def test_marking_writes_the_clock_line_the_audit_event_and_tells_the_officers(security_officer, staff):
    handler = UserFactory(roles=["security officer"])
    incident = make_breach(security_officer, handler=handler)
    line = incident.events.get(kind=EventKind.CLOCK)
    assert line.text == (
        "Personal-data breach: the 72-hour clock to notify the supervisory authority runs until the "
        "deadline below"
    )
    assert line.data["deadline"] == "2026-10-26T10:00:00+00:00"
    assert AuditEvent.objects.filter(action="incident.breach_marked", object_id=str(incident.pk)).exists()
    told = set(
        Notification.objects.filter(subject__contains="72-hour deadline").values_list("recipient", flat=True)
    )
    assert told == {security_officer.pk, handler.pk}


def test_marking_twice_is_refused(security_officer):
    incident = make_breach(security_officer)
    with pytest.raises(ValidationError, match="already marked"):
        breach_mark(actor=security_officer, incident=incident)


def test_another_awareness_time_needs_a_reason(security_officer):
    incident = IncidentFactory(noticed_at=AWARE)
    with pytest.raises(ValidationError) as refused:
        breach_mark(actor=security_officer, incident=incident, aware_at=after(-5), now=after(1))
    assert "aware_at_reason" in refused.value.message_dict
    marked = breach_mark(
        actor=security_officer,
        incident=incident,
        aware_at=after(-5),
        aware_at_reason="The vendor told us by phone before the ticket came in.",
        now=after(1),
    )
    assert marked.authority_deadline == after(67)


def test_awareness_in_the_future_is_refused(security_officer):
    incident = IncidentFactory(noticed_at=AWARE)
    with pytest.raises(ValidationError) as refused:
        breach_mark(
            actor=security_officer, incident=incident, aware_at=after(3), aware_at_reason="x", now=after(1)
        )
    assert refused.value.message_dict == {"aware_at": ["This time is in the future."]}


def test_only_responders_mark_a_breach(staff, auditor, security_officer):
    incident = IncidentFactory(reported_by=staff, noticed_at=AWARE)
    for person in (staff, auditor):
        with pytest.raises(PermissionDenied):
            breach_mark(actor=person, incident=incident, now=after(1))
    assert not Incident.objects.get(pk=incident.pk).is_breach


def test_a_dismissed_incident_is_not_marked(security_officer):
    incident = IncidentFactory(noticed_at=AWARE, status=Status.DISMISSED)
    with pytest.raises(ValidationError, match="dismissed"):
        breach_mark(actor=security_officer, incident=incident, now=after(1))


def test_changed_awareness_needs_a_reason_and_moves_the_deadline(security_officer):
    incident = make_breach(security_officer)
    with pytest.raises(ValidationError) as refused:
        breach_set_awareness(
            actor=security_officer, incident=incident, aware_at=after(-10), reason=" ", now=after(2)
        )
    assert "reason" in refused.value.message_dict
    changed = breach_set_awareness(
        actor=security_officer,
        incident=incident,
        aware_at=after(-10),
        reason="The log shows the processor knew ten hours earlier.",
        now=after(2),
    )
    assert changed.authority_deadline == after(62)
    assert changed.aware_at_reason == "The log shows the processor knew ten hours earlier."
    line = changed.events.filter(kind=EventKind.CLOCK).last()
    assert "now runs until the deadline below" in line.text
    assert ["72-hour deadline", "2026-10-26T00:00:00+00:00"] in line.data["times"]
    assert AuditEvent.objects.filter(action="incident.breach_awareness_changed").count() == 1


def test_awareness_changes_only_while_the_clock_runs(security_officer):
    incident = make_breach(security_officer)
    Incident.objects.filter(pk=incident.pk).update(authority_decision="not_required")
    with pytest.raises(ValidationError, match="clock has stopped"):
        breach_set_awareness(
            actor=security_officer, incident=incident, aware_at=after(-1), reason="x", now=after(2)
        )


def test_steps_passed_at_the_earlier_awareness_are_not_sent_afterwards(security_officer):
    incident = make_breach(security_officer)
    changed = breach_set_awareness(
        actor=security_officer, incident=incident, aware_at=after(-50), reason="Known earlier.", now=after(1)
    )
    assert changed.breach_reminder_hours == 48  # 51 hours have passed since the new awareness


def test_a_later_awareness_restarts_the_reminders_on_the_new_clock(security_officer):
    incident = make_breach(security_officer)
    Incident.objects.filter(pk=incident.pk).update(breach_reminder_hours=48)
    changed = breach_set_awareness(
        actor=security_officer,
        incident=incident,
        aware_at=after(40),
        reason="Confirmed only then.",
        now=after(50),
    )
    # 10 hours into the new clock: no step of it is reached yet, so its 24-hour reminder is still to come.
    assert changed.breach_reminder_hours == 0
    assert changed.authority_deadline == after(112)
