"""Each scanner's JSON report reads into the same findings: component, identifier (the CVE id when the tool
names one) with the other ids as aliases, title, description, a CVSS vector when given, else the
tool's severity label."""

from pathlib import Path

import pytest

from vulnerabilities.choices import ScanFormat, Severity
from vulnerabilities.services.scanners import parse_scan

SAMPLES = Path(__file__).parent / "samples"


def read(name: str):
    report = parse_scan((SAMPLES / name).read_bytes())
    assert report.ok, report.problems
    return report, {finding.identifier: finding for finding in report.findings}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pip-audit.json", ScanFormat.PIP_AUDIT),
        ("osv-scanner.json", ScanFormat.OSV_SCANNER),
        ("trivy.json", ScanFormat.TRIVY),
        ("grype.json", ScanFormat.GRYPE),
        ("cyclonedx-vex.json", ScanFormat.CYCLONEDX),
    ],
)
def test_the_format_is_recognised_and_can_be_named(name, expected):
    content = (SAMPLES / name).read_bytes()
    assert parse_scan(content).format == expected
    assert parse_scan(content, expected).ok


def test_pip_audit_names_pypi_packages_and_prefers_the_cve_id():
    report, found = read("pip-audit.json")
    assert sorted(found) == ["CVE-2023-32681", "CVE-2023-36053"]
    django = found["CVE-2023-36053"]
    assert django.component.name == "django"
    assert django.component.version == "4.2.1"
    assert django.component.purl == "pkg:pypi/django@4.2.1"
    assert django.component.ecosystem == "pypi"
    assert django.aliases == ["PYSEC-2023-100", "GHSA-jh3w-4vvf-mjgr"]
    assert "ReDoS" in django.description
    # pip-audit gives no severity: the register learns it later.
    assert (django.severity, django.cvss_vector) == ("", "")
    assert report.target == ""


def test_osv_scanner_groups_the_records_of_one_flaw():
    _report, found = read("osv-scanner.json")
    assert sorted(found) == ["CVE-2021-23337", "CVE-2024-22195"]
    jinja = found["CVE-2024-22195"]
    assert jinja.aliases == ["GHSA-h5c8-rqwp-cp95", "PYSEC-2024-10"]
    assert jinja.component.purl == "pkg:pypi/jinja2@3.1.2"
    assert jinja.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N"
    assert jinja.title.startswith("Jinja vulnerable to HTML attribute injection")
    assert found["CVE-2021-23337"].component.purl == "pkg:npm/lodash@4.17.20"


def test_trivy_takes_the_vector_of_its_severity_source_and_the_label_otherwise():
    report, found = read("trivy.json")
    assert report.target == "registry.example.com/payroll:2.4.1"
    assert report.scanned_at.isoformat() == "2026-12-01T09:30:12.123456+00:00"
    assert found["CVE-2023-5363"].cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"  # nvd's
    assert found["CVE-2023-5363"].severity == ""  # the vector decides
    assert found["CVE-2023-5678"].severity == Severity.MEDIUM  # no vector: the label
    assert found["CVE-2023-32681"].aliases == ["GHSA-j8r2-6x86-q33q"]
    assert found["CVE-2023-5363"].component.name == "libssl3"
    assert found["CVE-2023-5363"].component.ecosystem == "apk"


def test_grype_names_the_cve_of_a_ghsa_match_and_reads_related_vectors():
    report, found = read("grype.json")
    assert report.target == "registry.example.com/payroll:2.4.1"
    requests = found["CVE-2023-32681"]
    assert requests.aliases == ["GHSA-j8r2-6x86-q33q"]
    assert requests.cvss_vector.startswith("CVSS:3.1/")
    assert found["CVE-2023-5363"].cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    assert found["CVE-2023-5678"].severity == Severity.LOW  # "Negligible"


def test_cyclonedx_vex_leaves_out_what_its_analysis_says_is_not_affected():
    report, found = read("cyclonedx-vex.json")
    assert report.target == "Payroll"
    assert sorted(found) == ["CVE-2023-36053", "GHSA-8q59-q68h-6hv4"]
    assert [warning.where for warning in report.warnings] == ["vulnerabilities[1]"]
    assert "not affected" in report.warnings[0].message
    # A rating's vector without its prefix gets the one its method names.
    assert found["CVE-2023-36053"].cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    assert found["GHSA-8q59-q68h-6hv4"].cvss_vector.startswith("CVSS:4.0/AV:N/AC:L/AT:N")
    assert found["CVE-2023-36053"].component.purl == "pkg:pypi/django@4.2.1"


def test_the_same_flaw_in_the_same_component_twice_is_one_finding():
    content = (SAMPLES / "trivy.json").read_text()
    # The same requests vulnerability found again in a second target of the same image.
    doubled = content.replace(
        '{"Target": "app/package-lock.json", "Class": "lang-pkgs", "Type": "npm", "Vulnerabilities": null}',
        '{"Target": "worker/requirements.txt", "Class": "lang-pkgs", "Type": "pip", "Vulnerabilities": ['
        '{"VulnerabilityID": "CVE-2023-32681", "PkgName": "requests", "InstalledVersion": "2.30.0",'
        ' "PkgIdentifier": {"PURL": "pkg:pypi/requests@2.30.0"}, "Severity": "MEDIUM"}]}',
    )
    report = parse_scan(doubled.encode())
    assert report.ok
    assert report.duplicates == 1
    assert [f.identifier for f in report.findings].count("CVE-2023-32681") == 1


def test_the_same_id_in_two_versions_of_a_package_is_two_findings():
    report = parse_scan(
        b'{"dependencies": [{"name": "a", "version": "1", "vulns": [{"id": "PYSEC-1", "aliases": []}]},'
        b' {"name": "a", "version": "2", "vulns": [{"id": "PYSEC-1", "aliases": []}]}]}'
    )
    assert report.ok
    assert len(report.findings) == 2
    assert report.duplicates == 0


def test_the_older_pip_audit_list_is_read_too():
    report = parse_scan(
        b'[{"name": "flask", "version": "0.5", "vulns": [{"id": "PYSEC-2019-179", "aliases": []}]}]'
    )
    assert report.format == ScanFormat.PIP_AUDIT
    assert report.findings[0].identifier == "PYSEC-2019-179"
