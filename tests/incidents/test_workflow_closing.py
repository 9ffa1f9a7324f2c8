"""Closing: from resolved only, with root cause and lessons learned; SEV1 and SEV2 need their review first."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dpms.models import AuditEvent, Notification
from incidents.choices import Severity, Status
from incidents.models import PostIncidentReview
from incidents.services.workflow import incident_close, post_incident_review_record
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


def close(actor, incident, root_cause="Weak mail filter", lessons="Tighten the filter"):
    return incident_close(actor=actor, incident=incident, root_cause=root_cause, lessons_learned=lessons)


def review(actor, incident, **overrides):
    values = {
        "held_on": timezone.localdate(),
        "participants": "Olga, Sam",
        "summary": "Filter missed it",
        "actions": "Tighten filter",
    }
    return post_incident_review_record(actor=actor, incident=incident, **(values | overrides))


def test_closing_requires_root_cause_and_lessons_learned(staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    with pytest.raises(ValidationError) as refused:
        close(security_officer, incident, root_cause=" ", lessons="")
    assert set(refused.value.message_dict) == {"root_cause", "lessons_learned"}
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


@pytest.mark.parametrize("status", [Status.TRIAGED, Status.INVESTIGATING, Status.CONTAINED, Status.DISMISSED])
def test_only_a_resolved_incident_is_closed(status, staff, security_officer):
    incident = incident_at(status, reporter=staff, handler=security_officer)
    with pytest.raises(ValidationError, match="Only a resolved incident is closed"):
        close(security_officer, incident)


@pytest.mark.parametrize("severity", [Severity.SEV1, Severity.SEV2])
def test_sev1_and_sev2_need_a_post_incident_review_to_close(severity, staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer, severity=severity)
    with pytest.raises(ValidationError, match="needs a post-incident review"):
        close(security_officer, incident)
    review(security_officer, incident)
    assert close(security_officer, incident).status == Status.CLOSED


@pytest.mark.parametrize("severity", [Severity.SEV3, Severity.SEV4])
def test_sev3_and_sev4_close_without_a_review(severity, staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer, severity=severity)
    closed = close(security_officer, incident)
    assert closed.status == Status.CLOSED
    assert closed.closed_at is not None
    assert (closed.root_cause, closed.lessons_learned) == ("Weak mail filter", "Tighten the filter")
    assert AuditEvent.objects.filter(action="incident.close", object_id=str(incident.pk)).exists()
    assert Notification.objects.filter(recipient=staff, subject=f"{incident.reference} is closed").exists()


def test_the_review_needs_date_participants_and_actions_and_no_future_date(staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer, severity=Severity.SEV1)
    with pytest.raises(ValidationError) as refused:
        review(
            security_officer,
            incident,
            held_on=timezone.localdate() + datetime.timedelta(days=1),
            participants="",
            actions="",
        )
    assert set(refused.value.message_dict) == {"held_on", "participants", "actions"}
    assert not PostIncidentReview.objects.exists()


def test_recording_the_review_again_corrects_it(staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer, severity=Severity.SEV2)
    review(security_officer, incident)
    review(security_officer, incident, participants="Olga, Sam, Mona")
    assert PostIncidentReview.objects.get().participants == "Olga, Sam, Mona"
    assert incident.events.filter(kind="review").count() == 2


def test_the_reporter_cannot_close_or_record_a_review(staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer, severity=Severity.SEV2)
    with pytest.raises(PermissionDenied):
        review(staff, incident)
    with pytest.raises(PermissionDenied):
        close(staff, incident)
