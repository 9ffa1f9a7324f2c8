"""The supervisory authority's decision stops the clock; a late notice needs the reasons (Art. 33(1) GDPR);
the data subjects' decision (Art. 34) and the facts of the breach are recorded."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent
from incidents.choices import AuthorityDecision, SubjectsDecision
from incidents.services.breach import (
    LATE_MESSAGE,
    authority_record_not_required,
    authority_record_notified,
    breach_record_facts,
    subjects_record_decision,
)
from tests.incidents.breach_support import after, make_breach
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def test_a_late_notification_without_reasons_is_refused(security_officer):
    incident = make_breach(security_officer)
    with pytest.raises(ValidationError) as refused:
        authority_record_notified(
            actor=security_officer, incident=incident, notified_at=after(75), reference="LDA-1", now=after(76)
        )
    assert refused.value.message_dict == {"delay_reason": [LATE_MESSAGE]}
    assert LATE_MESSAGE == (
        "The notification was made after the 72-hour deadline: give the reasons for the delay "
        "(Art. 33(1) GDPR)."
    )
    incident.refresh_from_db()
    assert incident.authority_clock_running


def test_a_late_notification_with_reasons_is_accepted_and_stops_the_clock(security_officer):
    incident = make_breach(security_officer)
    notified = authority_record_notified(
        actor=security_officer,
        incident=incident,
        notified_at=after(75),
        reference="LDA-2026-118",
        delay_reason="The scope was only clear after the forensic report.",
        now=after(76),
    )
    assert notified.authority_decision == AuthorityDecision.NOTIFIED
    assert not notified.authority_clock_running
    assert notified.authority_delay_reason == "The scope was only clear after the forensic report."
    assert "3 h 0 min after the deadline" in notified.events.order_by("pk").last().text
    assert AuditEvent.objects.filter(action="incident.authority_notified").count() == 1


def test_an_on_time_notification_needs_no_reasons(security_officer):
    incident = make_breach(security_officer)
    notified = authority_record_notified(
        actor=security_officer, incident=incident, notified_at=after(71), reference="LDA-7", now=after(80)
    )
    assert notified.authority_notified_at == after(71)
    assert notified.authority_delay_reason == ""


def test_notified_time_cannot_be_in_the_future_or_before_awareness(security_officer):
    incident = make_breach(security_officer)
    for when in (after(5), after(-1)):
        with pytest.raises(ValidationError) as refused:
            authority_record_notified(
                actor=security_officer, incident=incident, notified_at=when, reference="R", now=after(2)
            )
        assert "notified_at" in refused.value.message_dict


def test_not_required_needs_a_reason(security_officer):
    incident = make_breach(security_officer)
    with pytest.raises(ValidationError) as refused:
        authority_record_not_required(actor=security_officer, incident=incident, reason="  ", now=after(3))
    assert (
        "unlikely to result in a risk to the rights and freedoms" in refused.value.message_dict["reason"][0]
    )
    decided = authority_record_not_required(
        actor=security_officer, incident=incident, reason="The file was encrypted (AES-256).", now=after(3)
    )
    assert decided.authority_decision == AuthorityDecision.NOT_REQUIRED
    assert not decided.authority_clock_running


def test_a_second_decision_is_refused_but_a_not_required_breach_can_still_be_notified(security_officer):
    incident = make_breach(security_officer)
    authority_record_not_required(
        actor=security_officer, incident=incident, reason="Encrypted.", now=after(3)
    )
    with pytest.raises(ValidationError, match="clock has stopped"):
        authority_record_not_required(
            actor=security_officer, incident=incident, reason="Again.", now=after(4)
        )
    notified = authority_record_notified(
        actor=security_officer, incident=incident, notified_at=after(10), reference="LDA-9", now=after(10)
    )
    assert notified.authority_decision == AuthorityDecision.NOTIFIED
    with pytest.raises(ValidationError, match="recorded already"):
        authority_record_notified(
            actor=security_officer, incident=incident, notified_at=after(11), reference="X", now=after(11)
        )


def test_decisions_need_a_breach_and_a_responder(security_officer, auditor):
    with pytest.raises(ValidationError, match="not marked"):
        authority_record_not_required(actor=security_officer, incident=IncidentFactory(), reason="x")
    incident = make_breach(security_officer)
    with pytest.raises(PermissionDenied):
        authority_record_not_required(actor=auditor, incident=incident, reason="x")


def test_data_subjects_required_and_told_later(security_officer):
    incident = make_breach(security_officer)
    decided = subjects_record_decision(
        actor=security_officer, incident=incident, decision=SubjectsDecision.REQUIRED, now=after(20)
    )
    assert decided.subjects_decision == SubjectsDecision.REQUIRED
    assert decided.subjects_notified_at is None
    told = subjects_record_decision(
        actor=security_officer,
        incident=incident,
        decision=SubjectsDecision.REQUIRED,
        notified_at=after(30),
        now=after(31),
    )
    assert told.subjects_notified_at == after(30)
    assert AuditEvent.objects.filter(action="incident.subjects_decision").count() == 2


def test_an_exemption_needs_a_reason_and_no_told_time(security_officer):
    incident = make_breach(security_officer)
    with pytest.raises(ValidationError) as refused:
        subjects_record_decision(
            actor=security_officer,
            incident=incident,
            decision=SubjectsDecision.EXEMPT_PROTECTED,
            now=after(5),
        )
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        subjects_record_decision(
            actor=security_officer,
            incident=incident,
            decision=SubjectsDecision.EXEMPT_PROTECTED,
            reason="Encrypted.",
            notified_at=after(4),
            now=after(5),
        )
    assert "notified_at" in refused.value.message_dict
    decided = subjects_record_decision(
        actor=security_officer,
        incident=incident,
        decision=SubjectsDecision.EXEMPT_PROTECTED,
        reason="The backup tape was encrypted; the key was not on it.",
        now=after(5),
    )
    assert decided.subjects_decision_reason == "The backup tape was encrypted; the key was not on it."


def test_subjects_told_cannot_become_an_exemption(security_officer):
    incident = make_breach(security_officer)
    subjects_record_decision(
        actor=security_officer, incident=incident, decision="required", notified_at=after(3), now=after(4)
    )
    with pytest.raises(ValidationError, match="told already"):
        subjects_record_decision(
            actor=security_officer, incident=incident, decision="not_high_risk", reason="x", now=after(5)
        )


def test_facts_are_recorded_and_audited(security_officer):
    incident = make_breach(security_officer)
    recorded = breach_record_facts(
        actor=security_officer,
        incident=incident,
        nature="About 300 customers: names and email addresses.",
        effects="Phishing aimed at those customers.",
        remedial_action="Mailbox rule removed; customers warned.",
        now=after(6),
    )
    assert recorded.breach_nature == "About 300 customers: names and email addresses."
    event = AuditEvent.objects.get(action="incident.breach_facts")
    assert event.changes["breach_effects"] == ["", "Phishing aimed at those customers."]
    with pytest.raises(ValidationError, match="Nothing changed"):
        breach_record_facts(
            actor=security_officer,
            incident=incident,
            nature=recorded.breach_nature,
            effects=recorded.breach_effects,
            remedial_action=recorded.breach_remedial_action,
        )
