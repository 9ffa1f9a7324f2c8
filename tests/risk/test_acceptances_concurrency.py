"""Approvers clicking at once on PostgreSQL: the acceptance's row lock leaves it in a consistent state."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent
from risk.choices import AcceptanceStatus, RiskStatus
from risk.models import Risk, RiskAcceptance
from risk.services.acceptances import acceptance_approve
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.risk.factories import RiskAcceptanceFactory, RiskFactory

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")


def run_together(actions):
    """Run each action in its own thread and connection, released at the same moment."""
    refusals = (ValidationError, PermissionDenied)
    outcomes = at_once(*actions, expect=refusals)
    return [type(outcome).__name__ if isinstance(outcome, refusals) else "approved" for outcome in outcomes]


def test_officers_approving_at_once_give_one_approval_and_one_audit_event(staff):
    officers = [UserFactory(roles=["security officer"]) for _ in range(4)]
    acceptance = RiskAcceptanceFactory(risk=RiskFactory(owner=staff))
    outcomes = run_together(
        [lambda o=o: acceptance_approve(acceptance=acceptance, actor=o) for o in officers]
    )
    assert sorted(outcomes) == ["ValidationError"] * 3 + ["approved"]
    assert RiskAcceptance.objects.get().status == AcceptanceStatus.APPROVED
    assert Risk.objects.get().status == RiskStatus.ACCEPTED
    assert AuditEvent.objects.filter(action="risk.acceptance.approve").count() == 1


def test_officer_and_admin_approving_at_once_both_count_and_accept_the_risk(
    staff, security_officer, admin_user
):
    acceptance = RiskAcceptanceFactory(risk=RiskFactory(owner=staff), above_appetite=True)
    outcomes = run_together(
        [
            lambda p=p: acceptance_approve(acceptance=acceptance, actor=p)
            for p in (security_officer, admin_user)
        ]
    )
    assert outcomes == ["approved", "approved"]
    acceptance = RiskAcceptance.objects.get()
    assert acceptance.status == AcceptanceStatus.APPROVED
    assert (acceptance.officer_approved_by, acceptance.admin_approved_by) == (security_officer, admin_user)
    assert Risk.objects.get().status == RiskStatus.ACCEPTED
