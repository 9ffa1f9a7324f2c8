"""Importing a scan into a system's register: new vulnerabilities recorded once, components added, the same
scan again changes nothing, a full re-scan marks what it no longer finds fixed, and a file with any problem
imports nothing."""

import json

import pytest

from dpms.models import AuditEvent
from tests.access.factories import SystemFactory
from tests.vulnerabilities.factories import ComponentFactory, VulnerabilityFactory
from tests.vulnerabilities.imports_support import run, sample
from vulnerabilities.choices import (
    ComponentSource,
    ScanImportState,
    Severity,
    VulnerabilitySource,
    VulnerabilityStatus,
)
from vulnerabilities.models import Component, Vulnerability

pytestmark = pytest.mark.django_db


@pytest.fixture
def payroll(staff):
    return SystemFactory(name="registry.example.com/payroll:2.4.1", owner=staff)


def snapshot():
    rows = Vulnerability.objects.order_by("pk").values_list(
        "pk", "reference", "status", "severity", "last_seen_at", "due_at", "updated_at"
    )
    return list(rows), Component.objects.count()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pip-audit.json", {"CVE-2023-36053", "CVE-2023-32681"}),
        ("osv-scanner.json", {"CVE-2021-23337", "CVE-2024-22195"}),
        ("trivy.json", {"CVE-2023-5363", "CVE-2023-5678", "CVE-2023-32681"}),
        ("grype.json", {"CVE-2023-5363", "CVE-2023-5678", "CVE-2023-32681"}),
        ("cyclonedx-vex.json", {"CVE-2023-36053", "GHSA-8q59-q68h-6hv4"}),
    ],
)
def test_each_format_records_its_vulnerabilities_once(security_officer, payroll, name, expected):
    scan = run(security_officer, payroll, name)
    assert scan.state == ScanImportState.APPLIED, scan.result
    found = Vulnerability.objects.filter(system=payroll)
    assert set(found.values_list("identifier", flat=True)) == expected
    assert scan.created_count == len(expected)
    for vulnerability in found:
        assert vulnerability.source == VulnerabilitySource.SCANNER
        assert vulnerability.reference.startswith("VULN-")
        assert vulnerability.owner == payroll.owner
        assert vulnerability.component.system == payroll
    events = AuditEvent.objects.filter(action="vulnerabilities.vulnerability.create")
    assert events.count() == len(expected)
    assert AuditEvent.objects.filter(
        action="vulnerabilities.scan_import.apply", object_id=str(scan.pk)
    ).exists()


def test_vectors_are_scored_and_labels_kept_when_there_is_none(security_officer, payroll):
    run(security_officer, payroll, "trivy.json")
    by_id = {v.identifier: v for v in Vulnerability.objects.filter(system=payroll)}
    assert by_id["CVE-2023-5363"].cvss_score == pytest.approx(7.5)
    assert by_id["CVE-2023-5363"].severity == Severity.HIGH
    assert by_id["CVE-2023-5678"].cvss_vector == ""
    assert by_id["CVE-2023-5678"].severity == Severity.MEDIUM  # Trivy's label
    assert by_id["CVE-2023-32681"].aliases == ["GHSA-j8r2-6x86-q33q"]


def test_components_are_matched_by_package_url_or_added(security_officer, payroll):
    known = ComponentFactory(system=payroll, name="django", version="4.2.1", purl="pkg:pypi/django@4.2.1")
    run(security_officer, payroll, "pip-audit.json")
    assert Vulnerability.objects.get(identifier="CVE-2023-36053").component == known
    added = Component.objects.get(system=payroll, name="requests")
    assert added.source == ComponentSource.SCAN
    assert added.purl == "pkg:pypi/requests@2.30.0"


def test_a_reimport_of_the_same_scan_changes_nothing(security_officer, payroll):
    run(security_officer, payroll, "trivy.json")
    before, events = snapshot(), AuditEvent.objects.count()
    again = run(security_officer, payroll, "trivy.json")
    assert again.state == ScanImportState.APPLIED
    assert (again.created_count, again.unchanged_count) == (0, 3)
    assert snapshot() == before
    # Only the import's own event: no vulnerability was written.
    assert AuditEvent.objects.count() == events + 1


def test_another_tool_naming_the_same_flaws_adds_nothing(security_officer, payroll):
    run(security_officer, payroll, "trivy.json")
    # Grype names the same three flaws on the same packages (the purls differ only in the distro qualifier,
    # so its apk components are new; the requests one is the same package URL).
    scan = run(security_officer, payroll, "grype.json")
    assert scan.state == ScanImportState.APPLIED
    requests = Vulnerability.objects.filter(system=payroll, identifier="CVE-2023-32681")
    assert requests.count() == 1


def test_an_alias_matches_a_recorded_vulnerability(security_officer, payroll):
    component = ComponentFactory(
        system=payroll, name="requests", version="2.30.0", purl="pkg:pypi/requests@2.30.0"
    )
    recorded = VulnerabilityFactory(system=payroll, component=component, identifier="GHSA-j8r2-6x86-q33q")
    scan = run(security_officer, payroll, "pip-audit.json")
    assert scan.state == ScanImportState.APPLIED
    assert not Vulnerability.objects.filter(identifier="CVE-2023-32681").exists()
    assert Vulnerability.objects.filter(pk=recorded.pk).exists()


def test_a_full_rescan_marks_what_it_no_longer_finds_fixed(security_officer, payroll):
    first = run(security_officer, payroll, "trivy.json", full=True)
    assert first.fixed_count == 0
    manual = VulnerabilityFactory(system=payroll, source=VulnerabilitySource.MANUAL)
    data = json.loads(sample("trivy.json"))
    data["CreatedAt"] = "2026-12-07T08:00:00Z"
    data["Results"][0]["Vulnerabilities"] = data["Results"][0]["Vulnerabilities"][:1]  # CVE-2023-5678 fixed
    scan = run(security_officer, payroll, "trivy.json", full=True, content=json.dumps(data).encode())
    assert scan.state == ScanImportState.APPLIED
    assert scan.fixed_count == 1
    gone = Vulnerability.objects.get(system=payroll, identifier="CVE-2023-5678")
    assert gone.status == VulnerabilityStatus.FIXED
    assert gone.fixed_note == "not found in scan of 7 Dec 2026"
    assert Vulnerability.objects.get(identifier="CVE-2023-5363").status == VulnerabilityStatus.NEW
    manual.refresh_from_db()
    assert manual.status == VulnerabilityStatus.NEW  # a scanner cannot say a person's finding is fixed
    assert AuditEvent.objects.filter(action="vulnerabilities.vulnerability.mark_fixed").count() == 1


def test_a_partial_scan_marks_nothing_fixed(security_officer, payroll):
    run(security_officer, payroll, "trivy.json")
    scan = run(security_officer, payroll, "pip-audit.json")
    assert scan.fixed_count == 0
    assert not Vulnerability.objects.filter(status=VulnerabilityStatus.FIXED).exists()


def test_a_fixed_vulnerability_found_again_is_reopened(security_officer, payroll):
    run(security_officer, payroll, "trivy.json")
    data = json.loads(sample("trivy.json"))
    data["Results"][0]["Vulnerabilities"] = []
    data["CreatedAt"] = "2026-12-05T08:00:00Z"
    run(security_officer, payroll, "trivy.json", full=True, content=json.dumps(data).encode())
    assert Vulnerability.objects.filter(status=VulnerabilityStatus.FIXED).count() == 2
    run(security_officer, payroll, "trivy.json")
    assert not Vulnerability.objects.filter(status=VulnerabilityStatus.FIXED).exists()
    assert Vulnerability.objects.filter(status=VulnerabilityStatus.TRIAGED).count() == 2


def test_the_system_named_by_the_file_is_used_when_none_is_chosen(security_officer, payroll):
    scan = run(security_officer, None, "grype.json")
    assert scan.state == ScanImportState.APPLIED
    assert scan.system == payroll


def test_a_file_naming_no_known_system_imports_nothing(security_officer, payroll):
    scan = run(security_officer, None, "cyclonedx-vex.json")  # names "Payroll"
    assert scan.state == ScanImportState.FAILED
    assert "no system has that name" in scan.result["problems"][0]["message"]
    assert not Vulnerability.objects.exists()


def test_a_problem_in_one_finding_imports_nothing(security_officer, payroll):
    data = json.loads(sample("trivy.json"))
    data["Results"][1]["Vulnerabilities"][0]["CVSS"]["ghsa"]["V3Vector"] = (
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H"
    )
    scan = run(security_officer, payroll, "trivy.json", content=json.dumps(data).encode())
    assert scan.state == ScanImportState.FAILED
    assert scan.result["problems"][0]["where"] == "Results[1].Vulnerabilities[0]"
    assert "CVE-2023-32681" in scan.result["problems"][0]["message"]
    assert not Vulnerability.objects.exists()
    assert not Component.objects.exists()
    assert scan.content == b""  # the file is not kept


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (sample("trivy.json")[:500], "cut short"),
        (sample("grype.json"), "not a Trivy JSON report"),
        (sample("trivy.json").replace(b'"MEDIUM"', b'"SEVERE"'), "Unknown severity"),
    ],
)
def test_malformed_files_fail_with_a_clear_problem(security_officer, payroll, content, message):
    scan = run(security_officer, payroll, "scan.json", content=content, format="trivy")
    assert scan.state == ScanImportState.FAILED
    assert message in scan.result["problems"][0]["message"]
    assert not Vulnerability.objects.exists()


def test_an_owner_may_not_import_another_systems_scan(staff, outsider, payroll):
    scan = run(outsider, None, "grype.json")
    assert scan.state == ScanImportState.FAILED
    assert not Vulnerability.objects.exists()


MULTI = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "version": 1,
    "components": [
        {
            "type": "application",
            "bom-ref": "payroll",
            "name": "Payroll",
            "components": [
                {
                    "type": "library",
                    "bom-ref": "pkg:pypi/django@4.2.1",
                    "name": "django",
                    "version": "4.2.1",
                    "purl": "pkg:pypi/django@4.2.1",
                },
            ],
        },
        {
            "type": "application",
            "bom-ref": "website",
            "name": "Website",
            "components": [
                {
                    "type": "library",
                    "bom-ref": "pkg:npm/lodash@4.17.20",
                    "name": "lodash",
                    "version": "4.17.20",
                    "purl": "pkg:npm/lodash@4.17.20",
                },
            ],
        },
    ],
    "vulnerabilities": [
        {
            "id": "CVE-2023-36053",
            "ratings": [{"severity": "high"}],
            "affects": [{"ref": "pkg:pypi/django@4.2.1"}],
        },
        {
            "id": "CVE-2021-23337",
            "ratings": [{"severity": "high"}],
            "affects": [{"ref": "pkg:npm/lodash@4.17.20"}],
        },
    ],
}


def test_a_file_covering_several_systems_imports_each_into_its_own(security_officer, staff):
    payroll, website = SystemFactory(name="Payroll", owner=staff), SystemFactory(name="Website")
    scan = run(security_officer, None, "multi.json", content=json.dumps(MULTI).encode())
    assert scan.state == ScanImportState.APPLIED, scan.result
    assert scan.system is None
    assert scan.result["systems"] == ["Payroll", "Website"]
    assert list(Vulnerability.objects.filter(system=payroll).values_list("identifier", flat=True)) == [
        "CVE-2023-36053"
    ]
    assert list(Vulnerability.objects.filter(system=website).values_list("identifier", flat=True)) == [
        "CVE-2021-23337"
    ]
    again = run(security_officer, None, "multi.json", content=json.dumps(MULTI).encode())
    assert (again.created_count, again.unchanged_count) == (0, 2)


def test_a_chosen_system_takes_the_whole_file(security_officer, staff):
    payroll = SystemFactory(name="Payroll", owner=staff)
    scan = run(security_officer, payroll, "multi.json", content=json.dumps(MULTI).encode())
    assert scan.state == ScanImportState.APPLIED
    assert Vulnerability.objects.filter(system=payroll).count() == 2


def test_one_unknown_system_in_the_file_imports_nothing(security_officer, staff):
    SystemFactory(name="Payroll", owner=staff)
    scan = run(security_officer, None, "multi.json", content=json.dumps(MULTI).encode())
    assert scan.state == ScanImportState.FAILED
    assert "“Website”, and no system has that name" in scan.result["problems"][0]["message"]
    assert not Vulnerability.objects.exists()


def test_a_vulnerability_keeps_the_version_the_scan_found_it_in(security_officer, payroll):
    run(security_officer, payroll, "pip-audit.json", full=True)
    found = Vulnerability.objects.get(system=payroll, identifier="CVE-2023-36053")
    assert (found.component_label, found.component_version) == ("django 4.2.1", "4.2.1")
    # django moves on to 4.2.3, where the flaw is fixed: a full re-scan no longer finds it.
    data = json.loads(sample("pip-audit.json"))
    data["dependencies"][0].update(version="4.2.3", vulns=[])
    scan = run(security_officer, payroll, "pip-audit.json", full=True, content=json.dumps(data).encode())
    assert scan.state == ScanImportState.APPLIED, scan.result
    found.refresh_from_db()
    assert found.status == VulnerabilityStatus.FIXED
    assert found.component_label == "django 4.2.1"
