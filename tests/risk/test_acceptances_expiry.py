"""Acceptance expiry: owner and security officers are told 30 and 7 days before and at expiry, each step
once, caught up after downtime; at expiry the risk reopens."""

import datetime
import zoneinfo

import pytest
from django.conf import settings

from dpms.models import AuditEvent, Notification
from risk.choices import AcceptanceStatus, RiskStatus
from risk.services.acceptances import expire_acceptances, notify_expiring_acceptances
from tests.risk.factories import RiskAcceptanceFactory, RiskFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def at(day: datetime.date, hour=9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def days(n):
    return datetime.timedelta(days=n)


@pytest.fixture
def accepted(staff, security_officer):
    risk = RiskFactory(owner=staff, status=RiskStatus.ACCEPTED)
    return RiskAcceptanceFactory(risk=risk, status=AcceptanceStatus.APPROVED, expires_on=TODAY + days(40))


def subjects(person):
    return list(Notification.objects.filter(recipient=person).order_by("pk").values_list("body", flat=True))


def test_owner_and_officers_are_told_30_and_7_days_before_once_each(accepted, staff, security_officer):
    assert notify_expiring_acceptances(now=at(TODAY)) == 0  # 40 days left: nothing yet
    assert notify_expiring_acceptances(now=at(TODAY + days(10))) == 1
    assert notify_expiring_acceptances(now=at(TODAY + days(10), hour=15)) == 0  # the step ran already
    assert notify_expiring_acceptances(now=at(TODAY + days(20))) == 0  # still the 30-day step
    assert notify_expiring_acceptances(now=at(TODAY + days(33))) == 1
    assert notify_expiring_acceptances(now=at(TODAY + days(34))) == 0
    for person in (staff, security_officer):
        first, second = subjects(person)
        assert "30-day notice" in first
        assert "7-day notice" in second


def test_after_downtime_only_the_latest_missed_step_is_sent_once(accepted, staff):
    back_up = TODAY + days(36)  # the tick was down through both the 30-day and the 7-day points
    assert notify_expiring_acceptances(now=at(back_up)) == 1
    assert notify_expiring_acceptances(now=at(back_up + days(1))) == 0
    [only] = subjects(staff)
    assert "7-day notice" in only
    assert "30-day" not in only


def test_expiry_reopens_the_risk_and_tells_everyone_once(accepted, staff, security_officer):
    assert expire_acceptances(now=at(TODAY + days(39))) == 0  # the day before: still in force
    assert expire_acceptances(now=at(TODAY + days(40))) == 1
    assert expire_acceptances(now=at(TODAY + days(40), hour=18)) == 0
    accepted.refresh_from_db()
    accepted.risk.refresh_from_db()
    assert accepted.status == AcceptanceStatus.EXPIRED
    assert accepted.risk.status == RiskStatus.OPEN
    event = AuditEvent.objects.get(action="risk.acceptance.expire")
    assert event.source == "task"
    assert event.changes["risk_status"] == ["accepted", "open"]
    for person in (staff, security_officer):
        assert (
            Notification.objects.filter(recipient=person, subject__startswith="Risk acceptance ended").count()
            == 1
        )
    # A notice step due at the same time is not sent on top of the expiry.
    assert notify_expiring_acceptances(now=at(TODAY + days(41))) == 0


def test_expiry_caught_up_after_days_of_downtime(accepted, staff):
    assert notify_expiring_acceptances(now=at(TODAY + days(45))) == 0  # past expiry: no stale 7-day notice
    assert expire_acceptances(now=at(TODAY + days(45))) == 1
    accepted.risk.refresh_from_db()
    assert accepted.risk.status == RiskStatus.OPEN
    [only] = subjects(staff)
    assert "ended" in only


def test_a_request_never_approved_in_time_expires_without_touching_the_risk(staff):
    risk = RiskFactory(owner=staff, status=RiskStatus.OPEN)
    acceptance = RiskAcceptanceFactory(risk=risk, expires_on=TODAY)
    assert expire_acceptances(now=at(TODAY)) == 1
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.EXPIRED
    assert not Notification.objects.exists()


def test_rejected_and_revoked_acceptances_are_not_announced(staff):
    for status in (AcceptanceStatus.REJECTED, AcceptanceStatus.REVOKED):
        RiskAcceptanceFactory(risk=RiskFactory(owner=staff), status=status, expires_on=TODAY + days(5))
    assert notify_expiring_acceptances(now=at(TODAY)) == 0
    assert expire_acceptances(now=at(TODAY + days(6))) == 0
    assert not Notification.objects.exists()
