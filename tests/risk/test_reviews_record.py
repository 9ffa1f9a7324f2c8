"""Recording a periodic review: scores before and after, the level and the next review date, the audit event,
and who may record one."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from guardian.shortcuts import assign_perm

from dpms.models import AuditEvent
from risk.choices import RiskStatus
from risk.models import Risk, RiskAssessment, RiskMatrix
from risk.services.reviews import assessment_record
from tests.factories import UserFactory
from tests.risk.factories import RiskFactory, RiskMatrixFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)
TODAY = timezone.localdate(NOW)
DAYS = datetime.timedelta


@pytest.fixture(autouse=True)
def _factory_matrix(db):
    """The factories' 5×5 (level = (likelihood + impact) // 2) active instead of the shipped preset."""
    RiskMatrix.objects.filter(is_active=True).update(is_active=False)
    return RiskMatrixFactory(name="Review test 5×5", is_active=True)


def test_next_review_date_follows_the_default_interval_of_each_level():
    # Factory matrix: level = (likelihood + impact) // 2; very low/low 365, moderate 180, high/very high 90
    for (likelihood, impact), days in {(0, 0): 365, (1, 1): 365, (2, 2): 180, (3, 3): 90, (4, 4): 90}.items():
        risk = RiskFactory.build(current_likelihood=likelihood, current_impact=impact)
        assert risk.effective_review_days == days
        assert risk.next_review_from(TODAY) == TODAY + DAYS(days=days)


def test_an_interval_set_on_the_risk_wins_over_the_level_default():
    risk = RiskFactory.build(current_likelihood=4, current_impact=4, review_interval_days=30)
    assert risk.next_review_from(TODAY) == TODAY + DAYS(days=30)


def test_a_review_that_lowers_the_current_score_lowers_the_level_and_pushes_the_next_review_out():
    risk = RiskFactory(current_likelihood=3, current_impact=3, next_review_on=TODAY - DAYS(days=3))
    assert risk.current_level["name"] == "High"
    assessment = assessment_record(
        risk=risk,
        actor=risk.owner,
        current_likelihood=1,
        current_impact=1,
        notes="Firewall rules fixed.",
        now=NOW,
    )
    risk.refresh_from_db()
    assert (risk.current_likelihood, risk.current_impact) == (1, 1)
    assert risk.current_level["name"] == "Low"
    assert risk.next_review_on == TODAY + DAYS(days=365)  # low: 365 days, not the 90 days of high
    assert assessment.before == {"inherent": [3, 3], "current": [3, 3], "target": [1, 1]}
    assert assessment.after == {"inherent": [3, 3], "current": [1, 1], "target": [1, 1]}
    assert assessment.current_level_index == 1
    assert assessment.reviewed_by == risk.owner
    assert assessment.reviewed_at == NOW
    assert assessment.next_review_on == risk.next_review_on
    event = AuditEvent.objects.get(action="risk.review.record")
    assert event.actor == risk.owner
    assert event.object_id == str(risk.pk)
    assert event.changes["before"]["current"] == [3, 3]
    assert event.changes["after"]["current"] == [1, 1]
    assert event.changes["current_level"] == ["High", "Low"]
    assert event.changes["next_review_on"] == [str(TODAY - DAYS(days=3)), str(TODAY + DAYS(days=365))]


def test_a_review_can_change_inherent_and_target_scores_too():
    risk = RiskFactory(target_likelihood=None, target_impact=None)
    assessment = assessment_record(
        risk=risk,
        actor=risk.owner,
        current_likelihood=2,
        current_impact=2,
        inherent_likelihood=4,
        inherent_impact=4,
        target_likelihood=0,
        target_impact=1,
        notes="",
        now=NOW,
    )
    assert assessment.before["target"] is None
    assert assessment.after == {"inherent": [4, 4], "current": [2, 2], "target": [0, 1]}


def test_scores_outside_the_matrix_and_half_pairs_are_refused_and_nothing_is_saved():
    risk = RiskFactory()
    with pytest.raises(ValidationError) as error:
        assessment_record(
            risk=risk,
            actor=risk.owner,
            current_likelihood=5,
            current_impact=2,
            target_likelihood=1,
            notes="",
            now=NOW,
        )
    assert set(error.value.message_dict) == {"current_likelihood", "target_impact"}
    assert not RiskAssessment.objects.exists()
    assert not AuditEvent.objects.filter(action="risk.review.record").exists()


def test_a_security_officer_and_a_delegated_editor_record_reviews(security_officer):
    risk = RiskFactory()
    editor = UserFactory()
    assign_perm("risk.edit_shared_risk", editor, risk)
    assessment_record(
        risk=risk, actor=security_officer, current_likelihood=2, current_impact=1, notes="", now=NOW
    )
    assessment_record(risk=risk, actor=editor, current_likelihood=1, current_impact=1, notes="", now=NOW)
    assert RiskAssessment.objects.filter(risk=risk).count() == 2


def test_auditors_readers_and_other_staff_cannot_record_a_review(auditor, staff):
    risk = RiskFactory()
    reader = UserFactory()
    assign_perm("risk.view_risk", reader, risk)
    for person in (auditor, staff, reader):
        with pytest.raises(PermissionDenied):
            assessment_record(
                risk=risk, actor=person, current_likelihood=1, current_impact=1, notes="", now=NOW
            )
    assert not RiskAssessment.objects.exists()


def test_a_closed_risk_is_not_reviewed():
    risk = RiskFactory(status=RiskStatus.CLOSED)
    with pytest.raises(PermissionDenied):
        assessment_record(
            risk=risk, actor=risk.owner, current_likelihood=1, current_impact=1, notes="", now=NOW
        )


def test_a_review_starts_from_the_scores_saved_meanwhile_not_from_a_stale_copy():
    risk = RiskFactory(current_likelihood=3, current_impact=3)
    stale = Risk.objects.get(pk=risk.pk)
    assessment_record(risk=risk, actor=risk.owner, current_likelihood=2, current_impact=2, notes="", now=NOW)
    second = assessment_record(
        risk=stale, actor=risk.owner, current_likelihood=1, current_impact=1, notes="", now=NOW
    )
    assert second.before["current"] == [2, 2]
