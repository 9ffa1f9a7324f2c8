"""The demo's risks obey the rules a person faces: every seeded risk, review, treatment action and acceptance
is put through the risk services' own validation functions, at the time it was (as the story goes) made."""

import pytest
from django.core.exceptions import ValidationError

from risk.choices import AcceptanceStatus
from risk.models import Risk, RiskAcceptance, RiskAssessment, TreatmentAction
from risk.queries.acceptances import is_complete, is_involved_owner
from risk.services.acceptances import validate_acceptance_request
from risk.services.actions import site_today, validate_action
from risk.services.register import EDITABLE_FIELDS, validate_risk
from risk.services.reviews import KINDS, validate_scores
from tests.demo_rules import refusals

pytestmark = pytest.mark.django_db


def registered(risk):
    validate_risk(risk.matrix, {name: getattr(risk, name) for name in EDITABLE_FIELDS})


def reviewed(assessment):
    wanted = {kind: tuple(assessment.after.get(kind) or (None, None)) for kind in KINDS}
    validate_scores(assessment.risk, wanted)


def planned(action):
    validate_action(title=action.title, owner=action.owner, due_on=action.due_on)


def requested(acceptance):
    validate_acceptance_request(
        rationale=acceptance.rationale,
        expires_on=acceptance.expires_on,
        today=site_today(acceptance.requested_at),
    )
    if acceptance.status == AcceptanceStatus.APPROVED:
        approvers = [acceptance.officer_approved_by, acceptance.admin_approved_by]
        if not is_complete(acceptance):
            raise ValidationError("approved without every approval it needs")
        if any(person is not None and is_involved_owner(acceptance, person) for person in approvers):
            raise ValidationError("approved by the risk's own owner")


def test_every_demo_risk_review_action_and_acceptance_passes_the_services_rules(demo):
    risks = list(Risk.objects.select_related("matrix", "owner", "category"))
    assessments = list(RiskAssessment.objects.select_related("risk__matrix"))
    actions = list(TreatmentAction.objects.select_related("owner"))
    acceptances = list(
        RiskAcceptance.objects.select_related("risk__matrix", "officer_approved_by", "admin_approved_by")
    )
    assert len(risks) >= 55
    assert assessments
    assert actions
    assert acceptances

    assert refusals(risks, registered) == []
    assert refusals(assessments, reviewed) == []
    assert refusals(actions, planned) == []
    assert refusals(acceptances, requested) == []
