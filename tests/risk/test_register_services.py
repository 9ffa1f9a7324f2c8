"""Creating and changing risks: references, validation against the matrix, review dates, status, audit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent
from risk.choices import RiskStatus
from risk.models import Risk, RiskCategory, RiskCounter
from risk.services.register import risk_create, risk_set_status, risk_update
from tests.access.factories import SystemFactory
from tests.risk.factories import RiskFactory
from tests.risk.register_support import matrix_fixture  # noqa: F401 - the ``matrix`` fixture

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


def create(actor, owner, **fields):
    scores = {"inherent_likelihood": 3, "inherent_impact": 3, "current_likelihood": 2, "current_impact": 2}
    return risk_create(actor=actor, owner=owner, **{"title": "Laptop theft", **scores, **fields})


def test_references_are_sequential_with_three_digits(matrix, security_officer):
    assert [create(security_officer, security_officer).reference for _ in range(3)] == [
        "R-001",
        "R-002",
        "R-003",
    ]


def test_a_deleted_risks_reference_is_never_reused(matrix, security_officer):
    create(security_officer, security_officer)
    second = create(security_officer, security_officer)
    second.delete()
    assert create(security_officer, security_officer).reference == "R-003"


def test_references_grow_beyond_999(matrix, security_officer):
    RiskCounter.objects.create(pk=1, last=999)
    assert create(security_officer, security_officer).reference == "R-1000"


def test_a_new_risk_is_scored_on_the_active_matrix_and_audited(matrix, security_officer, staff):
    crm = SystemFactory(name="CRM")
    category = RiskCategory.objects.get(name="Privacy")  # a default category from the data migration
    risk = create(security_officer, staff, category=category, systems=[crm])
    assert risk.matrix == matrix
    assert list(risk.systems.all()) == [crm]
    event = AuditEvent.objects.get(action="risk.risk.create")
    assert event.actor == security_officer
    assert event.changes["created"]["systems"] == [crm.pk]


def test_default_categories_are_installed():
    names = set(RiskCategory.objects.values_list("name", flat=True))
    assert {"Information security", "Privacy", "Availability", "Supplier", "Compliance", "Physical"} <= names


def test_scores_outside_the_matrix_are_refused_with_clear_messages(matrix, security_officer):
    with pytest.raises(ValidationError) as refused:
        create(security_officer, security_officer, current_likelihood=5, target_likelihood=1)
    errors = refused.value.message_dict
    assert errors["current_likelihood"] == ["Choose one of the 5 steps of the active matrix."]
    assert errors["target_impact"] == ["Set both target scores, or neither."]
    assert not Risk.objects.exists()


def test_a_blank_title_and_an_inactive_owner_are_refused(matrix, security_officer, staff):
    staff.is_active = False
    staff.save()
    with pytest.raises(ValidationError) as refused:
        create(security_officer, staff, title="  ")
    assert set(refused.value.message_dict) == {"title", "owner"}


@pytest.mark.parametrize(
    ("current", "days"),
    [((4, 4), 90), ((3, 3), 90), ((2, 2), 180), ((1, 2), 365), ((0, 0), 365)],
)
def test_an_opened_risk_is_reviewed_by_its_current_levels_interval(matrix, security_officer, current, days):
    risk = create(
        security_officer,
        security_officer,
        current_likelihood=current[0],
        current_impact=current[1],
        status="open",
        today=TODAY,
    )
    assert risk.effective_review_days == days
    assert risk.next_review_on == TODAY + datetime.timedelta(days=days)


def test_an_explicit_interval_wins_over_the_level(matrix, security_officer):
    risk = create(security_officer, security_officer, review_interval_days=30, status="open", today=TODAY)
    assert risk.next_review_on == datetime.date(2026, 4, 1)


def test_levels_are_derived_from_the_matrix_never_stored(matrix, security_officer):
    risk = create(security_officer, security_officer, current_likelihood=4, current_impact=4)
    assert risk.current_level["name"] == "Very high"
    assert risk.current_level["above_appetite"] is True
    assert risk.inherent_level["name"] == "High"
    assert risk.target_level is None
    matrix.levels[4]["name"] = "Severe"
    matrix.save()
    assert Risk.objects.select_related("matrix").get(pk=risk.pk).current_level["name"] == "Severe"


def test_a_draft_has_no_review_date_until_it_is_opened(matrix, security_officer):
    risk = create(security_officer, security_officer)
    assert risk.status == "draft"
    assert risk.next_review_on is None
    risk = risk_set_status(actor=security_officer, risk=risk, status="open", today=TODAY)
    assert risk.next_review_on == TODAY + datetime.timedelta(days=180)
    assert AuditEvent.objects.filter(action="risk.risk.status").count() == 1


def test_closing_and_reopening(matrix, security_officer):
    risk = create(security_officer, security_officer, status="open")
    risk = risk_set_status(actor=security_officer, risk=risk, status="closed")
    assert risk.closed_at is not None
    risk = risk_set_status(actor=security_officer, risk=risk, status="open")
    assert risk.closed_at is None
    assert risk.status == "open"


@pytest.mark.parametrize("status", ["accepted", "draft", "open"])
def test_status_changes_outside_the_workflow_are_refused(matrix, security_officer, status):
    risk = create(security_officer, security_officer, status="open")
    with pytest.raises(ValidationError):
        risk_set_status(actor=security_officer, risk=risk, status=status)


def test_an_update_is_audited_with_a_diff(matrix, security_officer, staff):
    risk = create(security_officer, security_officer)
    risk_update(actor=security_officer, risk=risk, title="Stolen laptop", owner=staff, current_impact=4)
    event = AuditEvent.objects.get(action="risk.risk.update")
    assert event.changes == {
        "current_impact": [2, 4],
        "owner_id": [security_officer.pk, staff.pk],
        "title": ["Laptop theft", "Stolen laptop"],
    }


def test_an_update_outside_the_matrix_changes_nothing(matrix, security_officer):
    risk = create(security_officer, security_officer)
    with pytest.raises(ValidationError):
        risk_update(actor=security_officer, risk=risk, title="New", current_impact=9)
    assert Risk.objects.get(pk=risk.pk).title == "Laptop theft"


def test_only_a_security_officer_hands_a_risk_to_another_owner(staff, second_report, security_officer):
    risk = RiskFactory(owner=staff, current_likelihood=0, current_impact=0, status=RiskStatus.OPEN)
    with pytest.raises(PermissionDenied):
        risk_update(actor=staff, risk=risk, owner=second_report)
    risk_update(actor=security_officer, risk=risk, owner=second_report)
    risk.refresh_from_db()
    assert risk.owner == second_report
