"""Recording a vulnerability and moving it through the workflow: only the allowed steps, each with its rule
(a reason for a false positive, a risk whose acceptance is in force), each in the audit trail."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dpms.models import AuditEvent
from risk.choices import AcceptanceStatus
from tests.access.factories import SystemFactory
from tests.factories import UserFactory
from tests.risk.factories import RiskAcceptanceFactory, RiskFactory
from tests.vulnerabilities.factories import ComponentFactory
from vulnerabilities.services import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return SystemFactory(name="Payroll", owner=UserFactory(full_name="Olivia Owner"))


def _record(system, **extra):
    values = {
        "actor": None,
        "system": system,
        "title": "Heartbleed in OpenSSL",
        "source": "scanner",
        "identifier": "CVE-2014-0160",
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
    }
    return register.vulnerability_create(**{**values, **extra})


def test_recording_scores_the_vector_numbers_it_and_defaults_the_owner(system):
    vulnerability = _record(system)
    assert vulnerability.reference == f"VULN-{timezone.now().year}-0001"
    assert (vulnerability.cvss_score, vulnerability.severity, vulnerability.status) == (7.5, "high", "new")
    assert vulnerability.owner == system.owner
    assert _record(system, identifier="CVE-2014-0161").reference.endswith("-0002")
    event = AuditEvent.objects.get(action="vulnerabilities.vulnerability.create", object_id=vulnerability.pk)
    assert event.changes["severity"] == "high"


def test_a_malformed_vector_records_nothing(system):
    with pytest.raises(ValidationError) as refused:
        _record(system, cvss_vector="CVSS:3.1/AV:N")
    assert "cvss_vector" in refused.value.error_dict
    assert not system.vulnerabilities.exists()


def test_the_same_identifier_twice_on_one_component_is_refused(system):
    component = ComponentFactory(system=system)
    first = _record(system, component=component)
    with pytest.raises(ValidationError) as refused:
        _record(system, component=component)
    assert first.reference in refused.value.error_dict["identifier"][0].message


def test_a_component_of_another_system_is_refused(system):
    with pytest.raises(ValidationError) as refused:
        _record(system, component=ComponentFactory())
    assert "component" in refused.value.error_dict


def test_staff_cannot_record_on_a_system_they_do_not_own(system, staff):
    with pytest.raises(PermissionDenied):
        _record(system, actor=staff)


def test_the_whole_way_from_new_to_verified(system, security_officer):
    vulnerability = _record(system)
    owner = system.owner
    vulnerability = register.vulnerability_triage(actor=owner, vulnerability=vulnerability)
    assert vulnerability.triaged_at is not None
    assert vulnerability.due_at is not None
    vulnerability = register.vulnerability_start_remediation(actor=owner, vulnerability=vulnerability)
    vulnerability = register.vulnerability_mark_fixed(
        actor=owner, vulnerability=vulnerability, note="Patched"
    )
    assert (vulnerability.status, vulnerability.fixed_note) == ("fixed", "Patched")
    with pytest.raises(PermissionDenied):
        register.vulnerability_verify(actor=owner, vulnerability=vulnerability)
    vulnerability = register.vulnerability_verify(actor=security_officer, vulnerability=vulnerability)
    assert vulnerability.status == "verified"
    assert vulnerability.verified_at is not None
    actions = list(
        AuditEvent.objects.filter(object_id=vulnerability.pk, object_type="vulnerabilities.vulnerability")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "vulnerabilities.vulnerability.create",
        "vulnerabilities.vulnerability.triage",
        "vulnerabilities.vulnerability.start_remediation",
        "vulnerabilities.vulnerability.mark_fixed",
        "vulnerabilities.vulnerability.verify",
    ]


def test_a_step_out_of_order_is_refused_and_changes_nothing(system):
    vulnerability = _record(system)
    with pytest.raises(ValidationError) as refused:
        register.vulnerability_start_remediation(actor=system.owner, vulnerability=vulnerability)
    assert "cannot become in remediation" in refused.value.error_dict["status"][0].message
    vulnerability.refresh_from_db()
    assert vulnerability.status == "new"


def test_a_false_positive_needs_a_reason(system):
    vulnerability = _record(system)
    with pytest.raises(ValidationError) as refused:
        register.vulnerability_mark_false_positive(
            actor=system.owner, vulnerability=vulnerability, reason=" "
        )
    assert "reason" in refused.value.error_dict
    done = register.vulnerability_mark_false_positive(
        actor=system.owner, vulnerability=vulnerability, reason="The vulnerable function is never called."
    )
    assert done.status == "false_positive"
    assert done.settled_at is not None


def test_risk_acceptance_needs_a_risk_whose_acceptance_is_in_force(system):
    vulnerability = register.vulnerability_triage(actor=None, vulnerability=_record(system))
    risk = RiskFactory()
    RiskAcceptanceFactory(risk=risk, status=AcceptanceStatus.REQUESTED)
    with pytest.raises(ValidationError) as refused:
        register.vulnerability_accept_risk(actor=system.owner, vulnerability=vulnerability, risk=risk)
    assert "no approved acceptance" in refused.value.error_dict["risk"][0].message
    expires = timezone.localdate() + datetime.timedelta(days=60)
    other = RiskFactory()
    RiskAcceptanceFactory(risk=other, status=AcceptanceStatus.APPROVED, expires_on=expires)
    accepted = register.vulnerability_accept_risk(actor=system.owner, vulnerability=vulnerability, risk=other)
    assert (accepted.status, accepted.risk, accepted.accepted_until) == ("risk_accepted", other, expires)


def test_an_expired_acceptance_reopens_the_vulnerability(system):
    vulnerability = register.vulnerability_triage(actor=None, vulnerability=_record(system))
    risk = RiskFactory()
    acceptance = RiskAcceptanceFactory(
        risk=risk,
        status=AcceptanceStatus.APPROVED,
        expires_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    register.vulnerability_accept_risk(actor=None, vulnerability=vulnerability, risk=risk)
    later = timezone.now() + datetime.timedelta(days=3)
    assert register.reopen_expired_acceptances(now=later) == 1
    assert register.reopen_expired_acceptances(now=later) == 0
    vulnerability.refresh_from_db()
    assert (vulnerability.status, vulnerability.accepted_until) == ("triaged", None)
    assert acceptance.risk == risk


def test_the_override_needs_a_reason_and_moves_the_severity(system, security_officer):
    vulnerability = _record(system)
    with pytest.raises(ValidationError):
        register.vulnerability_override_severity(
            actor=security_officer, vulnerability=vulnerability, severity="low", reason=""
        )
    with pytest.raises(PermissionDenied):
        register.vulnerability_override_severity(
            actor=system.owner, vulnerability=vulnerability, severity="low", reason="Internal only"
        )
    lowered = register.vulnerability_override_severity(
        actor=security_officer,
        vulnerability=vulnerability,
        severity="low",
        reason="Not reachable: internal only",
    )
    assert (lowered.scored_severity, lowered.severity) == ("high", "low")
    cleared = register.vulnerability_override_severity(
        actor=security_officer, vulnerability=vulnerability, severity="", reason=""
    )
    assert (cleared.severity, cleared.override_reason) == ("high", "")


def test_auditors_change_nothing(system, auditor):
    with pytest.raises(PermissionDenied):
        register.vulnerability_triage(actor=auditor, vulnerability=_record(system))
