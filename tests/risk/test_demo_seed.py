"""seed_demo fills the risk register with about 60 realistic risks and their history; a second run creates
nothing."""

import datetime

import pytest
from django.db.models import Count
from django.utils import timezone

from access.models import System
from dpms.models import AuditEvent
from risk.choices import AcceptanceStatus, ActionStatus, RiskStatus
from risk.models import Risk, RiskAcceptance, RiskAssessment, RiskCategory, RiskCounter, TreatmentAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo):
    """What seed_demo printed; the demo is seeded once for this module (``demo`` in tests/conftest.py)."""
    return demo.output


def counts():
    return (
        Risk.objects.count(),
        Risk.systems.through.objects.count(),
        RiskCategory.objects.count(),
        TreatmentAction.objects.count(),
        RiskAcceptance.objects.count(),
        RiskAssessment.objects.count(),
        RiskCounter.objects.get().last,
        AuditEvent.objects.count(),
    )


def test_adds_about_sixty_risks_owned_by_demo_people_on_the_active_matrix(seeded):
    risks = Risk.objects.select_related("owner", "matrix", "category")
    assert 55 <= risks.count() <= 65
    assert all(risk.owner.email.endswith("@northwind.example") for risk in risks)
    assert len({risk.owner_id for risk in risks}) >= 10
    assert {risk.matrix.is_active for risk in risks} == {True}
    assert all(risk.category is not None and risk.threat and risk.vulnerability for risk in risks)
    assert "demo risks" in seeded


def test_risks_carry_new_references_from_the_counter(seeded):
    references = sorted(Risk.objects.values_list("reference", flat=True))
    assert references[0] == "R-001"
    assert references[-1] == f"R-{len(references):03d}"
    assert RiskCounter.objects.get().last == len(references)


def test_most_risks_affect_demo_systems(seeded):
    linked = Risk.objects.annotate(n=Count("systems")).filter(n__gt=0)
    assert linked.count() >= 50
    assert not System.objects.filter(risks__isnull=False, is_portal=True).exists()
    assert Risk.objects.filter(
        title__startswith="Ransomware encrypts", systems__name="M365 Exchange"
    ).exists()


def test_statuses_are_mostly_open_with_some_drafts_accepted_and_closed(seeded):
    by_status = dict(Risk.objects.values_list("status").annotate(n=Count("pk")))
    assert by_status[RiskStatus.OPEN] >= 40
    assert by_status[RiskStatus.DRAFT] >= 3
    assert by_status[RiskStatus.CLOSED] >= 3
    assert by_status[RiskStatus.ACCEPTED] == 2
    assert not Risk.objects.filter(status=RiskStatus.CLOSED, closed_at__isnull=True).exists()


def test_scores_never_rise_from_inherent_to_current(seeded):
    for risk in Risk.objects.select_related("matrix"):
        assert risk.current_level["index"] <= risk.inherent_level["index"], risk
        assert risk.current_likelihood <= risk.inherent_likelihood
        assert risk.current_impact <= risk.inherent_impact


def test_reviews_in_the_past_two_years_bring_the_current_score_down(seeded):
    today = timezone.localdate()
    reviewed = Risk.objects.exclude(status=RiskStatus.DRAFT).prefetch_related("assessments")
    assert not Risk.objects.filter(status=RiskStatus.DRAFT, assessments__isnull=False).exists()
    lowered = 0
    for risk in reviewed:
        history = sorted(risk.assessments.all(), key=lambda assessment: assessment.reviewed_at)
        assert 1 <= len(history) <= 4, risk
        for assessment in history:
            assert today - datetime.timedelta(days=731) <= assessment.reviewed_at.date() < today
        levels = [assessment.current_level_index for assessment in history]
        assert levels == sorted(levels, reverse=True), risk  # never up
        assert history[-1].after["current"] == [risk.current_likelihood, risk.current_impact]
        lowered += levels[0] > levels[-1] or history[0].before != history[-1].after
    assert lowered >= 20


def test_next_reviews_are_spread_over_overdue_due_soon_and_later(seeded):
    today = timezone.localdate()
    live = Risk.objects.filter(status__in=[RiskStatus.OPEN, RiskStatus.ACCEPTED])
    assert not live.filter(next_review_on__isnull=True).exists()
    assert live.filter(next_review_on__lt=today).count() >= 5
    assert (
        live.filter(
            next_review_on__gte=today, next_review_on__lte=today + datetime.timedelta(days=14)
        ).count()
        >= 5
    )
    assert live.filter(next_review_on__gt=today + datetime.timedelta(days=14)).count() >= 20


def test_treatment_actions_include_overdue_ones(seeded):
    today = timezone.localdate()
    actions = TreatmentAction.objects.all()
    assert actions.count() >= 50
    open_statuses = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS]
    assert actions.filter(status__in=open_statuses, due_on__lt=today).count() >= 5
    assert actions.filter(status__in=open_statuses, due_on__gte=today).count() >= 5
    assert not actions.filter(status=ActionStatus.DONE, completed_at__isnull=True).exists()
    assert not actions.filter(risk__status=RiskStatus.CLOSED).exclude(status=ActionStatus.DONE).exists()


def test_accepted_risks_have_an_approved_acceptance_one_expiring_soon(seeded):
    today = timezone.localdate()
    approved = RiskAcceptance.objects.filter(status=AcceptanceStatus.APPROVED).select_related("risk")
    assert {acceptance.risk.status for acceptance in approved} == {RiskStatus.ACCEPTED}
    assert approved.count() == Risk.objects.filter(status=RiskStatus.ACCEPTED).count() == 2
    assert approved.filter(expires_on__lte=today + datetime.timedelta(days=30)).count() == 1
    for acceptance in approved:
        assert acceptance.officer_approved_by.is_security_officer
        assert acceptance.officer_approved_by != acceptance.risk.owner  # the owner never approves
        assert (acceptance.admin_approved_by is not None) == acceptance.above_appetite
    assert RiskAcceptance.objects.filter(status=AcceptanceStatus.REQUESTED).count() == 1


def test_each_area_has_one_summary_event_from_the_command_line(seeded):
    for action in ("risk.risk.seed", "risk.assessment.seed", "risk.action.seed", "risk.acceptance.seed"):
        assert AuditEvent.objects.get(action=action).source == "cli", action


def test_second_run_creates_nothing(demo):
    before = counts()
    output = demo.seed()
    assert counts() == before
    assert "Risk register: the demo risks exist already; nothing changed." in output
