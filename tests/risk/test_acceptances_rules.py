"""Risk acceptance: the owner asks; a security officer approves, and above appetite an admin too."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dpms.models import AuditEvent, Notification
from risk.choices import AcceptanceStatus, RiskStatus, Treatment
from risk.services.acceptances import (
    acceptance_approve,
    acceptance_reject,
    acceptance_request,
    acceptance_revoke,
    latest_expiry,
)
from risk.services.actions import site_today
from tests.factories import UserFactory
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


def in_days(days):
    return site_today() + datetime.timedelta(days=days)


@pytest.fixture
def risk(staff):
    return RiskFactory(owner=staff)  # current (2, 2): Moderate, the appetite


@pytest.fixture
def high_risk(staff):
    return RiskFactory(owner=staff, current_likelihood=4, current_impact=4)  # Very high: above appetite


def ask(risk, days=180):
    return acceptance_request(
        risk=risk, actor=risk.owner, rationale="Cheaper to live with.", expires_on=in_days(days)
    )


def test_below_appetite_one_security_officer_approval_accepts_the_risk(risk, security_officer):
    acceptance = ask(risk)
    assert acceptance.above_appetite is False
    acceptance_approve(acceptance=acceptance, actor=security_officer)
    acceptance.refresh_from_db()
    risk.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.APPROVED
    assert (risk.status, risk.treatment) == (RiskStatus.ACCEPTED, Treatment.ACCEPT)
    assert AuditEvent.objects.filter(action="risk.acceptance.approve", object_id=str(acceptance.pk)).exists()
    assert Notification.objects.filter(recipient=risk.owner, subject__startswith="Risk accepted").exists()


def test_above_appetite_the_officer_alone_leaves_it_requested(high_risk, security_officer):
    acceptance = ask(high_risk)
    assert acceptance.above_appetite is True
    acceptance_approve(acceptance=acceptance, actor=security_officer)
    acceptance.refresh_from_db()
    high_risk.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.REQUESTED
    assert acceptance.officer_approved_by == security_officer
    assert high_risk.status == RiskStatus.OPEN


@pytest.mark.parametrize("admin_first", [True, False])
def test_above_appetite_officer_and_admin_accept_in_either_order(
    high_risk, security_officer, admin_user, admin_first
):
    acceptance = ask(high_risk)
    for approver in [admin_user, security_officer] if admin_first else [security_officer, admin_user]:
        acceptance_approve(acceptance=acceptance, actor=approver)
    acceptance.refresh_from_db()
    high_risk.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.APPROVED
    assert (acceptance.officer_approved_by, acceptance.admin_approved_by) == (security_officer, admin_user)
    assert high_risk.status == RiskStatus.ACCEPTED


def test_one_person_holding_both_roles_gives_only_one_approval(high_risk):
    both = UserFactory(roles=["security officer", "admin"])
    acceptance = ask(high_risk)
    acceptance_approve(acceptance=acceptance, actor=both)
    with pytest.raises(PermissionDenied):
        acceptance_approve(acceptance=acceptance, actor=both)
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.REQUESTED


def test_the_owner_cannot_approve_even_as_security_officer_and_admin():
    owner = UserFactory(roles=["security officer", "admin"])
    acceptance = ask(RiskFactory(owner=owner))
    with pytest.raises(PermissionDenied):
        acceptance_approve(acceptance=acceptance, actor=owner)
    acceptance.refresh_from_db()
    assert acceptance.officer_approved_at is None
    assert acceptance.status == AcceptanceStatus.REQUESTED


def test_staff_and_auditors_cannot_approve(risk, outsider, auditor):
    acceptance = ask(risk)
    for person in (outsider, auditor):
        with pytest.raises(PermissionDenied):
            acceptance_approve(acceptance=acceptance, actor=person)


def test_an_admin_alone_cannot_accept_a_risk_within_appetite(risk, admin_user):
    with pytest.raises(PermissionDenied):
        acceptance_approve(acceptance=ask(risk), actor=admin_user)


def test_only_the_owner_asks(risk, security_officer):
    with pytest.raises(PermissionDenied):
        acceptance_request(risk=risk, actor=security_officer, rationale="x", expires_on=in_days(30))


def test_expiry_more_than_a_year_away_is_refused(risk):
    too_far = latest_expiry(site_today()) + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        acceptance_request(risk=risk, actor=risk.owner, rationale="x", expires_on=too_far)
    assert "at most a year" in str(error.value)
    acceptance_request(risk=risk, actor=risk.owner, rationale="x", expires_on=latest_expiry(site_today()))


@pytest.mark.parametrize("days", [0, -3])
def test_expiry_must_be_in_the_future(risk, days):
    with pytest.raises(ValidationError, match="future"):
        ask(risk, days=days)


def test_rationale_is_required(risk):
    with pytest.raises(ValidationError, match="why"):
        acceptance_request(risk=risk, actor=risk.owner, rationale="  ", expires_on=in_days(30))


def test_a_second_request_while_one_is_live_is_refused(risk):
    ask(risk)
    with pytest.raises(ValidationError, match="already"):
        ask(risk)


def test_rejection_needs_a_reason_and_tells_the_owner(risk, security_officer):
    acceptance = ask(risk)
    with pytest.raises(ValidationError):
        acceptance_reject(acceptance=acceptance, actor=security_officer, reason=" ")
    acceptance_reject(acceptance=acceptance, actor=security_officer, reason="Mitigate first.")
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.REJECTED
    assert Notification.objects.filter(recipient=risk.owner, body__contains="Mitigate first.").exists()


def test_revocation_reopens_the_risk(risk, security_officer):
    acceptance = ask(risk)
    acceptance_approve(acceptance=acceptance, actor=security_officer)
    with pytest.raises(ValidationError):
        acceptance_revoke(acceptance=acceptance, actor=security_officer, reason="")
    acceptance_revoke(acceptance=acceptance, actor=security_officer, reason="Threat grew.")
    acceptance.refresh_from_db()
    risk.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.REVOKED
    assert risk.status == RiskStatus.OPEN
    event = AuditEvent.objects.get(action="risk.acceptance.revoke")
    assert event.changes["risk_status"] == ["accepted", "open"]


def test_only_security_officers_revoke(risk, security_officer, admin_user):
    acceptance = ask(risk)
    acceptance_approve(acceptance=acceptance, actor=security_officer)
    with pytest.raises(PermissionDenied):
        acceptance_revoke(acceptance=acceptance, actor=admin_user, reason="No.")


def test_an_auditor_who_owns_a_risk_does_not_ask_for_its_acceptance(auditor):
    risk = RiskFactory(owner=auditor, current_likelihood=0, current_impact=0, status=RiskStatus.OPEN)
    with pytest.raises(PermissionDenied):
        acceptance_request(
            risk=risk,
            actor=auditor,
            rationale="x",
            expires_on=timezone.localdate() + datetime.timedelta(days=30),
        )
