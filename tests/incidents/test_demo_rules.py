"""The demo's incidents obey the rules a person faces: each seeded object is put through the incidents
services' own validation functions, with the time it was (as the story goes) recorded at."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.choices import AuthorityDecision, Category, Severity, Status
from incidents.models import FollowUpAction, Incident, PostIncidentReview
from incidents.services import breach, followups, reporting, workflow
from incidents.services.common import require_authority_decision
from tests.demo_rules import refusals

pytestmark = pytest.mark.django_db


def reported(incident):
    values = {
        "title": incident.title,
        "description": incident.description,
        "category": incident.category,
        "noticed_at": incident.noticed_at,
        "occurred_at": incident.occurred_at,
        "personal_data": incident.personal_data,
        "systems": list(incident.systems.all()),
        "uploads": [],
    }
    reporting.validate_report(values, now=incident.reported_at)


def triaged(incident):
    if incident.status in (Status.REPORTED, Status.DISMISSED):
        return
    assert incident.severity in Severity.values, f"{incident} is triaged without a severity"
    assert incident.handler_id, f"{incident} is triaged without a handler"
    breach.validate_breach_severity(
        severity=incident.severity, category=incident.category, is_breach=incident.is_breach
    )


def breach_record(incident):
    breach.validate_awareness(
        noticed_at=incident.noticed_at,
        aware_at=incident.aware_at,
        reason=incident.aware_at_reason,
        now=incident.breach_marked_at,
    )
    if incident.authority_decision == AuthorityDecision.NOTIFIED:
        breach.validate_authority_notified(
            aware_at=incident.aware_at,
            deadline=incident.authority_deadline,
            notified_at=incident.authority_notified_at,
            reference=incident.authority_reference,
            delay_reason=incident.authority_delay_reason,
            now=incident.authority_decided_at,
        )
    elif incident.authority_decision == AuthorityDecision.NOT_REQUIRED:
        breach.validate_authority_not_required(reason=incident.authority_not_required_reason)
    if incident.subjects_decision:
        breach.validate_subjects_decision(
            decision=incident.subjects_decision,
            reason=incident.subjects_decision_reason,
            notified_at=incident.subjects_notified_at,
            aware_at=incident.aware_at,
            now=incident.subjects_decided_at,
        )


def ended(incident):
    if incident.status == Status.DISMISSED:
        workflow.validate_dismissal(reason=incident.dismissal_reason)
    if incident.status == Status.CLOSED:
        workflow.validate_closing_texts(
            root_cause=incident.root_cause, lessons_learned=incident.lessons_learned
        )
        require_authority_decision(incident)
        workflow.validate_review_held(incident)


def reviewed(review):
    workflow.validate_review(
        held_on=review.held_on,
        participants=review.participants,
        actions=review.actions,
        today=timezone.localdate(review.recorded_at),
    )


def followed_up(action):
    followups.validate_followup(
        title=action.title,
        owner=action.owner,
        due_on=action.due_on,
        today=followups.site_today(action.created_at),
    )


def test_every_demo_incident_passes_the_services_rules(demo):
    incidents = list(Incident.objects.select_related("handler").prefetch_related("systems"))
    breaches = [incident for incident in incidents if incident.is_breach]
    assert len(incidents) >= 35
    assert len(breaches) >= 4

    assert refusals(incidents, reported) == []
    assert refusals(incidents, triaged) == []
    assert refusals(breaches, breach_record) == []
    assert refusals(incidents, ended) == []


def test_every_demo_review_and_follow_up_passes_the_services_rules(demo):
    reviews = list(PostIncidentReview.objects.all())
    actions = list(FollowUpAction.objects.select_related("owner"))
    assert reviews
    assert actions

    assert refusals(reviews, reviewed) == []
    assert refusals(actions, followed_up) == []


def test_the_demo_shows_a_breach_that_is_sev1_and_an_awareness_with_its_reason(demo):
    exposures = Incident.objects.filter(is_breach=True).exclude(category=Category.LOST_DEVICE)
    assert set(exposures.values_list("severity", flat=True)) == {Severity.SEV1}
    later = Incident.objects.filter(is_breach=True, aware_at_reason__gt="")
    assert later.exists()
    assert all(incident.aware_at != incident.noticed_at for incident in later)


def test_the_rules_refuse_what_the_old_demo_had():
    """The checks above can fail: a SEV2 data-exposure breach and an unexplained awareness are refused."""
    with pytest.raises(ValidationError, match="SEV1"):
        breach.validate_breach_severity(severity=2, category=Category.DATA_EXPOSURE, is_breach=True)
    now = timezone.now()
    with pytest.raises(ValidationError, match="awareness differs"):
        breach.validate_awareness(
            noticed_at=now - timedelta(hours=31), aware_at=now - timedelta(hours=30), reason="", now=now
        )
