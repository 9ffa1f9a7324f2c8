"""The tick reminds owners before the deadline and escalates after it (owner, then the security officers):
one digest per person per step, never twice; a breach opens a finding on the system, resolved when nothing
of that system is overdue any more."""

import datetime

import pytest
from django.utils import timezone

from access.choices import FindingKind
from access.models import Finding
from dpms.models import AuditEvent, Notification
from tests.access.factories import SystemFactory
from tests.factories import UserFactory
from tests.vulnerabilities.factories import VulnerabilityFactory
from vulnerabilities.services import deadlines, register

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def owner():
    return UserFactory(full_name="Olivia Owner", time_zone="Europe/Berlin")


@pytest.fixture
def system(owner):
    return SystemFactory(name="Payroll", owner=owner)


def _open(system, due_at, **extra):
    return VulnerabilityFactory(system=system, status="triaged", due_at=due_at, **extra)


def _notes(prefix):
    return list(Notification.objects.filter(dedup_key__startswith=prefix).order_by("pk"))


def test_the_owner_is_reminded_once_of_everything_due_soon(system, owner):
    now = timezone.now()
    soon = [_open(system, now + DAY), _open(system, now + 2 * DAY)]
    _open(system, now + 30 * DAY)  # not yet
    assert deadlines.remind_before_due(now=now) == 1
    (note,) = _notes("vulnerability-reminder:")
    assert note.recipient == owner
    assert note.subject == "Vulnerabilities due soon (2 items)"
    for vulnerability in soon:
        assert vulnerability.reference in note.body
    assert deadlines.remind_before_due(now=now) == 0
    assert deadlines.remind_before_due(now=now + DAY) == 0  # the next day: each was reminded already
    assert len(_notes("vulnerability-reminder:")) == 1


def test_overdue_tells_the_owner_then_the_officers_once_each(system, owner, security_officer):
    now = timezone.now()
    late = _open(system, now - DAY)
    assert deadlines.escalate_overdue(now=now) == 1
    (note,) = _notes("vulnerability-overdue:")
    assert note.recipient == owner
    assert late.reference in note.body
    assert _notes("vulnerability-escalation:") == []
    assert deadlines.escalate_overdue(now=now + DAY) == 0  # the owner was told; officers not yet due
    assert deadlines.escalate_overdue(now=now + 3 * DAY) == 1  # three days past due: the officers
    (escalation,) = _notes("vulnerability-escalation:")
    assert escalation.recipient == security_officer
    assert late.reference in escalation.body
    assert deadlines.escalate_overdue(now=now + 5 * DAY) == 0
    late.refresh_from_db()
    assert late.escalation_level == 2


def test_settled_vulnerabilities_are_neither_reminded_nor_escalated(system):
    now = timezone.now()
    VulnerabilityFactory(system=system, status="fixed", due_at=now + DAY)
    VulnerabilityFactory(system=system, status="false_positive", due_at=now - 10 * DAY)
    assert deadlines.remind_before_due(now=now) == 0
    assert deadlines.escalate_overdue(now=now) == 0
    assert Notification.objects.count() == 0


def test_a_breach_opens_one_finding_on_the_system_resolved_when_nothing_is_overdue(system):
    now = timezone.now()
    first, second = _open(system, now - DAY), _open(system, now - 2 * DAY)
    deadlines.escalate_overdue(now=now)
    finding = Finding.objects.get(system=system, kind=FindingKind.VULNERABILITY_OVERDUE)
    assert finding.resolved_at is None
    assert AuditEvent.objects.filter(action="vulnerabilities.vulnerability.deadline_breached").count() == 2

    register.vulnerability_mark_fixed(actor=system.owner, vulnerability=first, note="Patched")
    finding.refresh_from_db()
    assert finding.resolved_at is None  # the second is still overdue
    register.vulnerability_mark_false_positive(actor=system.owner, vulnerability=second, reason="Not used")
    finding.refresh_from_db()
    assert finding.resolved_at is not None
    assert AuditEvent.objects.filter(action="access.finding.resolve", object_id=finding.pk).exists()


def test_a_later_deadline_undoes_the_breach_and_resolves_the_finding(system, security_officer):
    now = timezone.now()
    vulnerability = VulnerabilityFactory(
        system=system, status="triaged", triaged_at=now - 10 * DAY, due_at=now - 3 * DAY, severity="high",
        scored_severity="high",
    )  # fmt: skip
    deadlines.escalate_overdue(now=now)
    assert Finding.objects.filter(system=system, resolved_at__isnull=True).count() == 1
    register.vulnerability_override_severity(
        actor=security_officer, vulnerability=vulnerability, severity="low", reason="Internal only", now=now
    )
    vulnerability.refresh_from_db()
    assert vulnerability.due_at > now
    assert (vulnerability.breached_at, vulnerability.escalation_level) == (None, 0)
    assert Finding.objects.filter(system=system, resolved_at__isnull=True).count() == 0


def test_an_ownerless_vulnerability_is_breached_and_goes_to_the_officers(security_officer):
    now = timezone.now()
    system = SystemFactory(owner=None)
    vulnerability = _open(system, now - 5 * DAY, owner=None)
    deadlines.escalate_overdue(now=now)
    assert Finding.objects.filter(system=system).count() == 1
    (escalation,) = _notes("vulnerability-escalation:")
    assert vulnerability.reference in escalation.body


def test_a_reopened_vulnerability_past_its_deadline_is_breached_again(system):
    now = timezone.now()
    vulnerability = _open(system, now - 2 * DAY, triaged_at=now - 32 * DAY)  # a high: 30 days
    deadlines.escalate_overdue(now=now)
    register.vulnerability_mark_fixed(actor=None, vulnerability=vulnerability, note="Patched", now=now)
    assert Finding.objects.filter(system=system, resolved_at__isnull=True).count() == 0
    register.vulnerability_reopen(actor=None, vulnerability=vulnerability, reason="Seen again", now=now)
    deadlines.escalate_overdue(now=now + DAY)
    assert Finding.objects.filter(system=system, resolved_at__isnull=True).count() == 1
    assert len(_notes("vulnerability-overdue:")) == 2  # today's and the next day's digest


def test_the_digests_are_of_kinds_a_person_chooses_or_always_emailed():
    from dpms import notify

    assert notify.kind_of("vulnerability-reminder:2026-12-07:5").key == "vulnerabilities"
    assert notify.kind_of("vulnerability-overdue:2026-12-07:5").key == "vulnerabilities"
    assert notify.kind_of("vulnerability-escalation:2026-12-07:5").security  # escalations: always emailed
