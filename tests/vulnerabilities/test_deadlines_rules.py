"""Remediation deadlines follow the policy: days by severity, from triage or first sight, halved for
production systems with personal data, ending at the end of a day in the owner's time zone."""

import datetime

import pytest

from access.choices import DataClassification, Environment
from dpms.models import AuditEvent
from tests.access.factories import SystemFactory
from tests.factories import UserFactory
from vulnerabilities.models import RemediationPolicy
from vulnerabilities.services import deadlines, register

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
TRIAGED = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def _vulnerability(*, zone="Europe/Berlin", severity_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                   environment=Environment.STAGING, classification=DataClassification.INTERNAL):  # fmt: skip
    owner = UserFactory(time_zone=zone)
    system = SystemFactory(owner=owner, environment=environment, data_classification=classification)
    return register.vulnerability_create(
        actor=None, system=system, title="Flaw", source="manual", cvss_vector=severity_vector,
        seen_at=TRIAGED - datetime.timedelta(days=2), now=TRIAGED - datetime.timedelta(days=2),
    )  # fmt: skip


def _triaged(vulnerability, now=TRIAGED):
    return register.vulnerability_triage(actor=None, vulnerability=vulnerability, now=now)


def test_no_deadline_before_triage_when_the_clock_runs_from_triage():
    assert _vulnerability().due_at is None


def test_critical_is_due_seven_days_after_triage_at_the_end_of_the_owners_day():
    vulnerability = _triaged(_vulnerability(zone="Europe/Berlin"))
    # 17 March 23:59:59 in Berlin (CET, UTC+1).
    assert vulnerability.due_at == datetime.datetime(2026, 3, 17, 22, 59, 59, tzinfo=UTC)


def test_the_owners_zone_decides_which_day_the_clock_starts_and_ends():
    # 03:00 UTC on 10 March is still 9 March in Los Angeles; the deadline is the end of 16 March there (PDT).
    vulnerability = _triaged(
        _vulnerability(zone="America/Los_Angeles"), now=datetime.datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    )
    assert vulnerability.due_at == datetime.datetime(2026, 3, 17, 6, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("vector", "days"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 30),  # high 7.5
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 90),  # medium 6.1
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 180),  # low 3.1
    ],
)
def test_each_severity_gets_its_days(vector, days):
    vulnerability = _triaged(_vulnerability(zone="UTC", severity_vector=vector))
    assert vulnerability.due_at == datetime.datetime(
        2026, 3, 10, 23, 59, 59, tzinfo=UTC
    ) + datetime.timedelta(days=days)


def test_severity_none_has_no_deadline():
    vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N"
    assert _triaged(_vulnerability(severity_vector=vector)).due_at is None


def test_production_with_personal_data_halves_the_days_rounded_up():
    vulnerability = _triaged(
        _vulnerability(
            zone="UTC", environment=Environment.PRODUCTION, classification=DataClassification.CONFIDENTIAL
        )
    )
    assert vulnerability.due_at == datetime.datetime(2026, 3, 14, 23, 59, 59, tzinfo=UTC)  # 4 days, not 7


def test_production_without_personal_data_keeps_the_full_days():
    vulnerability = _triaged(_vulnerability(zone="UTC", environment=Environment.PRODUCTION))
    assert vulnerability.due_at == datetime.datetime(2026, 3, 17, 23, 59, 59, tzinfo=UTC)


def test_the_clock_may_run_from_first_sight():
    RemediationPolicy.objects.filter(pk=1).update(clock_from="first_seen")
    vulnerability = _vulnerability(zone="UTC")  # first seen on 8 March
    assert vulnerability.due_at == datetime.datetime(2026, 3, 15, 23, 59, 59, tzinfo=UTC)


def test_an_override_moves_the_deadline(security_officer):
    vulnerability = _triaged(_vulnerability(zone="UTC"))
    lowered = register.vulnerability_override_severity(
        actor=security_officer, vulnerability=vulnerability, severity="medium", reason="Internal only",
        now=TRIAGED,
    )  # fmt: skip
    assert lowered.due_at == datetime.datetime(2026, 6, 8, 23, 59, 59, tzinfo=UTC)  # 90 days


def test_a_policy_change_moves_the_open_deadlines_and_is_audited(security_officer):
    vulnerability = _triaged(_vulnerability(zone="UTC"))
    deadlines.policy_update(actor=security_officer, now=TRIAGED, critical_days=3)
    vulnerability.refresh_from_db()
    assert vulnerability.due_at == datetime.datetime(2026, 3, 13, 23, 59, 59, tzinfo=UTC)
    event = AuditEvent.objects.get(action="vulnerabilities.policy.update")
    assert event.changes["critical_days"] == [7, 3]
    assert event.changes["deadlines_moved"] == 1
