"""Temporary access: holders and owners are told 7 days and 1 day before a grant ends, each step once."""

import datetime

import pytest

from access.services.expiry import notify_expiring_grants
from dpms.models import Notification
from tests.access.factories import GrantFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def owner():
    return UserFactory(full_name="Owen Owner")


@pytest.fixture
def role(owner):
    return RoleFactory(system=SystemFactory(name="Payroll", owner=owner), name="Reader")


def expiring(user, role, days, hours=0):
    return GrantFactory(user=user, role=role, expires_at=NOW + datetime.timedelta(days=days, hours=hours))


def bodies(person):
    return list(Notification.objects.filter(recipient=person).order_by("pk").values_list("body", flat=True))


def test_holder_and_owner_get_one_digest_listing_every_grant_ending_within_7_days(staff, owner, role):
    expiring(staff, role, 7)
    expiring(staff, RoleFactory(system=role.system, name="Writer"), 6)
    expiring(staff, RoleFactory(system=role.system, name="Far away"), 9)
    assert notify_expiring_grants(now=NOW) == 2
    [to_holder] = bodies(staff)
    assert "Payroll · Reader" in to_holder
    assert "Payroll · Writer" in to_holder
    assert "Far away" not in to_holder
    assert "7-day notice" in to_holder
    [to_owner] = bodies(owner)
    assert "Sam Staff: Payroll · Reader" in to_owner


def test_a_tick_running_twice_tells_nobody_twice(staff, owner, role):
    expiring(staff, role, 5)
    notify_expiring_grants(now=NOW)
    assert notify_expiring_grants(now=NOW) == 0
    assert notify_expiring_grants(now=NOW + datetime.timedelta(hours=5)) == 0
    assert notify_expiring_grants(now=NOW + datetime.timedelta(days=1)) == 0  # still the 7-day step
    assert Notification.objects.filter(recipient=staff).count() == 1


def test_the_1_day_notice_follows_the_7_day_notice_once(staff, role):
    expiring(staff, role, 6)
    notify_expiring_grants(now=NOW)
    day_before = NOW + datetime.timedelta(days=5)
    assert notify_expiring_grants(now=day_before) == 1
    assert notify_expiring_grants(now=day_before + datetime.timedelta(hours=3)) == 0
    first, second = bodies(staff)
    assert "7-day notice" in first
    assert "1-day notice" in second


def test_within_a_day_only_the_1_day_notice_is_sent(staff, role):
    expiring(staff, role, 0, hours=20)
    assert notify_expiring_grants(now=NOW) == 1
    assert notify_expiring_grants(now=NOW + datetime.timedelta(hours=1)) == 0
    [only] = bodies(staff)
    assert "1-day notice" in only
    assert "7-day" not in only


def test_after_downtime_the_missed_7_day_notice_is_sent_once(staff, role):
    grant = expiring(staff, role, 7)
    back_up = NOW + datetime.timedelta(days=3)  # the tick was down when the 7-day point passed
    assert notify_expiring_grants(now=back_up) == 1
    assert notify_expiring_grants(now=back_up + datetime.timedelta(days=1)) == 0
    grant.refresh_from_db()
    assert grant.expiry_week_notice_at == back_up
    assert grant.expiry_day_notice_at is None
    assert "7-day notice" in bodies(staff)[0]


def test_revoked_and_permanent_grants_are_not_announced(staff, role):
    GrantFactory(user=staff, role=role, expires_at=None)
    GrantFactory(user=staff, expires_at=NOW + datetime.timedelta(days=3), revoked_at=NOW)
    assert notify_expiring_grants(now=NOW) == 0
    assert not Notification.objects.exists()
