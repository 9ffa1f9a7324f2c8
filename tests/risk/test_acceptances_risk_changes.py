"""An acceptance when its risk changes: scores raised above appetite before or after the approval, and the
risk closed while accepted."""

import datetime

import pytest
from django.utils import timezone

from risk.choices import AcceptanceStatus, RiskStatus
from risk.services.acceptances import acceptance_approve, acceptance_request
from risk.services.register import risk_set_status, risk_update
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


def _low_risk(owner):
    return RiskFactory(owner=owner, current_likelihood=0, current_impact=0, status=RiskStatus.OPEN)


def test_scores_raised_above_appetite_before_approval_need_an_admin_too(staff, security_officer):
    risk = _low_risk(staff)
    acceptance = acceptance_request(
        risk=risk,
        actor=staff,
        rationale="Cheap to live with",
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    risk_update(actor=staff, risk=risk, current_likelihood=4, current_impact=4)

    acceptance = acceptance_approve(acceptance=acceptance, actor=security_officer)

    assert acceptance.above_appetite
    assert acceptance.status == AcceptanceStatus.REQUESTED  # an admin still has to approve
    risk.refresh_from_db()
    assert risk.status == RiskStatus.OPEN


def test_an_accepted_risk_whose_score_rises_above_appetite_reopens(staff, security_officer):
    risk = _low_risk(staff)
    acceptance = acceptance_request(
        risk=risk,
        actor=staff,
        rationale="Cheap",
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    acceptance_approve(acceptance=acceptance, actor=security_officer)
    risk.refresh_from_db()
    assert risk.status == RiskStatus.ACCEPTED

    risk_update(actor=security_officer, risk=risk, current_likelihood=4, current_impact=4)

    risk.refresh_from_db()
    acceptance.refresh_from_db()
    assert (risk.status, acceptance.status) == (RiskStatus.OPEN, AcceptanceStatus.REVOKED)


def test_closing_an_accepted_risk_ends_its_acceptance_so_a_new_one_can_be_asked_later(
    staff, security_officer
):
    risk = _low_risk(staff)
    acceptance = acceptance_request(
        risk=risk,
        actor=staff,
        rationale="Cheap",
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )
    acceptance_approve(acceptance=acceptance, actor=security_officer)
    risk_set_status(actor=security_officer, risk=risk, status=RiskStatus.CLOSED)
    risk_set_status(actor=security_officer, risk=risk, status=RiskStatus.OPEN)

    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.REVOKED
    again = acceptance_request(
        risk=risk,
        actor=staff,
        rationale="Again",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert again.status == AcceptanceStatus.REQUESTED
