"""A file that is not what it says, cut short, too large, or with a severity nobody knows gets a clear
problem that names where, and yields no findings at all."""

import json
from pathlib import Path

import pytest

from vulnerabilities.choices import ScanFormat
from vulnerabilities.services.scanners import MAX_SCAN_BYTES, parse_scan

SAMPLES = Path(__file__).parent / "samples"


def messages(report):
    return [f"{problem.where}: {problem.message}" for problem in report.problems]


def test_a_file_of_another_format_is_refused_naming_what_it_looks_like():
    report = parse_scan((SAMPLES / "grype.json").read_bytes(), ScanFormat.TRIVY)
    assert messages(report) == ["file: This is not a Trivy JSON report: it looks like Grype JSON."]
    assert report.findings == []


def test_a_file_of_no_known_format_is_refused():
    report = parse_scan(b'{"hello": "world"}')
    assert not report.ok
    assert "not a report we can read" in report.problems[0].message
    assert "pip-audit JSON" in report.problems[0].message


def test_an_sbom_without_vulnerabilities_is_sent_to_the_components_page():
    sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}
    report = parse_scan(json.dumps(sbom).encode())
    assert "it is an SBOM" in report.problems[0].message


def test_truncated_json_says_the_file_was_cut_short():
    content = (SAMPLES / "trivy.json").read_bytes()
    report = parse_scan(content[: len(content) // 2])
    assert not report.ok
    assert "cut short" in report.problems[0].message
    assert report.findings == []


def test_broken_json_in_the_middle_names_line_and_column():
    report = parse_scan(b'{"SchemaVersion": 2,\n "Results": [}\n')
    assert report.problems[0].message.startswith("The file is not valid JSON:")
    assert "line 2" in report.problems[0].message


@pytest.mark.parametrize("content", [b"", b"   \n", b"\xff\xfe\x00junk"])
def test_empty_or_binary_files_are_refused(content):
    assert not parse_scan(content).ok


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    content = b"{" + b" " * MAX_SCAN_BYTES + b"}"  # 50 MB and two bytes of valid JSON
    report = parse_scan(content)
    assert messages(report) == ["file: The file is larger than 50 MB: nothing was read."]


def test_an_unknown_severity_is_a_problem_naming_the_finding_and_nothing_is_kept():
    data = json.loads((SAMPLES / "trivy.json").read_text())
    data["Results"][0]["Vulnerabilities"][1]["Severity"] = "SEVERE"
    report = parse_scan(json.dumps(data).encode())
    assert messages(report) == [
        "Results[0].Vulnerabilities[1]: Unknown severity “SEVERE” (expected one of: critical, high, "
        "important, medium, moderate, low, negligible, info, informational, none, unknown)."
    ]
    assert report.findings == []


def test_an_unknown_severity_in_cyclonedx_is_named_by_its_place():
    data = json.loads((SAMPLES / "cyclonedx-vex.json").read_text())
    data["vulnerabilities"][0]["ratings"][0]["severity"] = "urgent"
    report = parse_scan(json.dumps(data).encode())
    assert [problem.where for problem in report.problems] == ["vulnerabilities[0].ratings[0]"]
    assert "Unknown severity “urgent”" in report.problems[0].message


def test_an_unrated_finding_is_not_a_problem():
    data = json.loads((SAMPLES / "grype.json").read_text())
    data["matches"][2]["vulnerability"]["severity"] = "Unknown"
    report = parse_scan(json.dumps(data).encode())
    assert report.ok
    assert {f.identifier: f.severity for f in report.findings}["CVE-2023-5678"] == ""


def test_a_finding_without_an_id_or_package_is_a_problem():
    report = parse_scan(
        b'{"dependencies": [{"name": "a", "version": "1", "vulns": [{"id": "", "aliases": []}]},'
        b' {"name": "", "version": "1", "vulns": [{"id": "PYSEC-1", "aliases": []}]}]}'
    )
    assert messages(report) == [
        "dependencies[0].vulns[0]: The finding in a 1 has no vulnerability id.",
        "dependencies[1].vulns[0]: The finding names no component (package name missing).",
    ]


def test_an_old_trivy_schema_is_refused():
    report = parse_scan(b'{"SchemaVersion": 1, "ArtifactName": "x", "Results": []}')
    assert "schema version 1" in report.problems[0].message
