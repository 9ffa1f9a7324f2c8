"""Scanner reports read into one shape: what each tool found, as a list of ``ScanFinding`` (the component, the
vulnerability's identifier and aliases, its title and description, a CVSS vector when the tool gives one, the
severity label when it gives only that). Reads only, writes nothing: ``vulnerabilities.services.imports``
checks the findings against the register and applies them.

The formats, each as the tool writes it:

* ``pip-audit`` (``pip-audit -f json``): ``{"dependencies": [{"name", "version", "vulns": [{"id",
  "aliases", "description", "fix_versions"}]}]}`` (before 2.5, the list of dependencies alone). No severity.
* OSV-Scanner (``osv-scanner --format json``): ``{"results": [{"source", "packages": [{"package": {"name",
  "version", "ecosystem"}, "vulnerabilities": [OSV records], "groups": [{"ids"}]}]}]}``; the records of one
  group (the same flaw under a PYSEC, a GHSA and a CVE id) are one finding.
* Trivy (``trivy ... -f json``, schema 2): ``{"ArtifactName", "Results": [{"Target", "Type",
  "Vulnerabilities": [{"VulnerabilityID", "PkgName", "InstalledVersion", "PkgIdentifier": {"PURL"},
  "Severity", "CVSS": {source: {"V3Vector", "V40Vector"}}}]}]}``.
* Grype (``grype -o json``): ``{"matches": [{"vulnerability": {"id", "severity", "cvss": [{"version",
  "vector"}]}, "relatedVulnerabilities": [...], "artifact": {"name", "version", "type", "purl"}}],
  "source": {"target"}, "descriptor": {"name": "grype"}}``.
* CycloneDX with vulnerabilities (a VEX or a BOM with findings, JSON, spec 1.4 and later), read with
  cyclonedx-python-lib: each vulnerability once per component it ``affects``; one whose analysis says the
  component is not affected (``not_affected``, ``false_positive``, ``resolved``) is left out, with a warning.

The identifier is the CVE id when the tool names one (as id or alias), else the GHSA id, else the tool's own
id, so the same flaw reported by two tools is one vulnerability; the other ids are its aliases. A CVSS vector
is kept only in the versions the register scores (3.0, 3.1 and 4.0); a tool's severity label counts only
when there is no such vector. A label nobody knows ("severe") is a problem, as are a file of another format,
JSON that stops early, and a file larger than ``MAX_SCAN_BYTES`` (refused before it is read). Problems name
where in the file they are (``Results[0].Vulnerabilities[3]``), like a CSV import names its row.
"""

import datetime
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cyclonedx.model.bom import Bom
from django.utils.translation import gettext, gettext_noop
from packageurl import PackageURL

from vulnerabilities.choices import ScanFormat, Severity

MAX_SCAN_BYTES = 50 * 1024 * 1024
MAX_IDENTIFIER = 100
MAX_TITLE = 300
# What a problem list keeps at most (a broken file of 100,000 findings says so in the first few hundred).
MAX_PROBLEMS = 500

# Severity labels of the tools (Trivy, Grype, OSV/GHSA, CycloneDX, Red Hat), lower-cased, to the register's.
SEVERITY_LABELS = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "important": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
    # Grype's "negligible" (a distribution says it hardly matters) still gets the longest deadline.
    "negligible": Severity.LOW,
    "info": Severity.NONE,
    "informational": Severity.NONE,
    "none": Severity.NONE,
}
# Labels that say the tool has no rating: the severity stays unknown until a vector or a person gives one.
NOT_RATED = {"", "unknown", "unrated", "unspecified", "not rated"}
KNOWN_LABELS = ", ".join([*SEVERITY_LABELS, "unknown"])

CVE = re.compile(r"^CVE-\d{4}-\d{4,}$", re.IGNORECASE)
GHSA = re.compile(r"^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$", re.IGNORECASE)
IDENTIFIER = re.compile(r"^\S+$")
# CVSS versions the register scores, and how a CycloneDX rating's method names them.
VECTOR_PREFIXES = ("CVSS:4.0/", "CVSS:3.1/", "CVSS:3.0/")  # the order of preference
CYCLONEDX_METHODS = {"CVSSv3": "CVSS:3.0/", "CVSSv31": "CVSS:3.1/", "CVSSv4": "CVSS:4.0/"}
CYCLONEDX_SEVERITIES = ("critical", "high", "medium", "low", "info", "none", "unknown")
# CycloneDX component types that are a product (a system of the register) rather than a part of one.
PRODUCT_TYPES = {"application", "container", "device", "firmware", "platform"}
# CycloneDX analysis states that say the component is not affected.
NOT_AFFECTED = {"not_affected", "false_positive", "resolved", "resolved_with_pedigree"}
# OSV ecosystems to package URL types, so a finding names the component its SBOM names.
OSV_PURL_TYPES = {
    "pypi": "pypi",
    "npm": "npm",
    "go": "golang",
    "maven": "maven",
    "crates.io": "cargo",
    "rubygems": "gem",
    "nuget": "nuget",
    "packagist": "composer",
    "pub": "pub",
    "hex": "hex",
}


@dataclass(frozen=True)
class ScanComponent:
    """The component a finding is in, as the file names it."""

    name: str
    version: str = ""
    ecosystem: str = ""
    purl: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies it in a system's inventory: the package URL, else name and version."""
        return ("purl", self.purl, "") if self.purl else ("name", self.name, self.version)

    def __str__(self):
        return f"{self.name} {self.version}".strip()


@dataclass
class ScanFinding:
    """One vulnerability in one component. ``where``: its place in the file."""

    where: str
    component: ScanComponent
    identifier: str
    aliases: list[str] = field(default_factory=list)
    title: str = ""
    description: str = ""
    cvss_vector: str = ""
    severity: str = ""
    # The system the file says this finding is of, when it covers several (a CycloneDX file listing several
    # products); "" means the file's ``target``.
    system: str = ""

    @property
    def key(self) -> tuple:
        return (self.system, *self.component.key, self.identifier)


@dataclass(frozen=True)
class ScanProblem:
    """Something wrong in the file (or, for a warning, worth knowing), and where."""

    where: str
    message: str


@dataclass
class ScanReport:
    """A parsed file: its format, what the tool scanned (``target``, "" when the file does not say), when
    (``scanned_at``, None when the file does not say), the findings, and the problems and warnings."""

    format: str = ""
    target: str = ""
    scanned_at: datetime.datetime | None = None
    findings: list[ScanFinding] = field(default_factory=list)
    problems: list[ScanProblem] = field(default_factory=list)
    warnings: list[ScanProblem] = field(default_factory=list)
    duplicates: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, where: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ScanProblem(where, message))

    def warn(self, where: str, message: str) -> None:
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(ScanProblem(where, message))


class _Refused(Exception):
    """The file as a whole is not a report of the format (the message says why)."""


# --- Reading the file ----------------------------------------------------------------------------------


def size_problem(size: int) -> str:
    """The message for a file over the limit, or "" (checked before anything is read)."""
    if size > MAX_SCAN_BYTES:
        return gettext("The file is larger than %(size)s MB: nothing was read.") % {
            "size": MAX_SCAN_BYTES // (1024 * 1024)
        }
    return ""


def load_json(content: bytes) -> Any:
    """The file's JSON; ``_Refused`` with a message a person can act on (empty, not UTF-8, cut short)."""
    if not content.strip():
        raise _Refused(gettext_noop("The file is empty."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _Refused(f"The file is not UTF-8 text (byte {error.start + 1} is not valid).") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()):
            raise _Refused(
                gettext_noop(
                    "The file ends before its JSON does: it was cut short "
                    "(truncated while saving or uploading?)."
                )
            ) from None
        raise _Refused(
            f"The file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None


def detect_format(data: Any) -> str:
    """Which tool wrote ``data`` (a ``ScanFormat`` value), or "" when it is none of them."""
    if isinstance(data, list):
        return ScanFormat.PIP_AUDIT if data and all(_is_pip_dependency(item) for item in data) else ""
    if not isinstance(data, dict):
        return ""
    if data.get("bomFormat") == "CycloneDX":
        return ScanFormat.CYCLONEDX
    if "SchemaVersion" in data and ("Results" in data or "ArtifactName" in data):
        return ScanFormat.TRIVY
    if isinstance(data.get("matches"), list) and ("descriptor" in data or "source" in data):
        return ScanFormat.GRYPE
    results = data.get("results")
    if isinstance(results, list) and all(isinstance(item, dict) and "packages" in item for item in results):
        return ScanFormat.OSV_SCANNER
    dependencies = data.get("dependencies")
    if isinstance(dependencies, list) and all(_is_pip_dependency(item) for item in dependencies):
        return ScanFormat.PIP_AUDIT
    return ""


def _is_pip_dependency(item) -> bool:
    return isinstance(item, dict) and "name" in item and ("vulns" in item or "skip_reason" in item)


def parse_scan(content: bytes, format: str = "") -> ScanReport:
    """Read a scanner's JSON report: ``format`` a ``ScanFormat`` value, or "" to recognise it. Never raises
    for what is in the file: every problem is in the report, and a report with problems imports nothing."""
    report = ScanReport(format=format)
    too_large = size_problem(len(content))
    if too_large:
        report.problem("file", too_large)
        return report
    try:
        data = load_json(content)
        found = detect_format(data)
        if format and found != format:
            seems = f"it looks like {ScanFormat(found).label}" if found else "its shape is none we know"
            raise _Refused(f"This is not a {ScanFormat(format).label} report: {seems}.")
        if not found:
            raise _Refused(
                "This file is not a report we can read: expected the JSON of "
                + ", ".join(str(label) for label in ScanFormat.labels)
                + "."
            )
        report.format = found
        PARSERS[found](data, report)
    except _Refused as refused:
        report.problem("file", str(refused))
        report.findings = []
        return report
    _merge_duplicates(report)
    if report.problems:
        report.findings = []
    return report


def _merge_duplicates(report: ScanReport) -> None:
    """The same vulnerability in the same component listed twice (two targets of one image, two matchers)
    is one finding; its aliases are pooled."""
    merged: dict[tuple, ScanFinding] = {}
    for finding in report.findings:
        kept = merged.get(finding.key)
        if kept is None:
            merged[finding.key] = finding
            continue
        report.duplicates += 1
        kept.aliases = _unique([*kept.aliases, *finding.aliases])
        kept.title = kept.title or finding.title
        kept.description = kept.description or finding.description
        kept.cvss_vector = kept.cvss_vector or finding.cvss_vector
        kept.severity = kept.severity or finding.severity
    report.findings = list(merged.values())


# --- Pieces every format uses ----------------------------------------------------------------------------


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _unique(values) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


def _identify(ids: list) -> tuple[str, list[str]]:
    """The identifier (a CVE id, else a GHSA id, else the first) and the other ids as aliases."""
    ids = _unique(_text(value) for value in ids)
    chosen = next(
        (value for value in ids if CVE.match(value)), next((value for value in ids if GHSA.match(value)), "")
    )
    chosen = chosen or (ids[0] if ids else "")
    if CVE.match(chosen):
        chosen = chosen.upper()
    return chosen, [value for value in ids if value.upper() != chosen.upper()]


def _severity(label, where: str, report: ScanReport) -> str:
    """The register's severity for a tool's label ("" when not rated); an unknown label is a problem."""
    text = _text(label).lower() if isinstance(label, str) else ""
    if label is not None and not isinstance(label, str):
        report.problem(where, f"The severity {label!r} is not a label (expected one of: {KNOWN_LABELS}).")
        return ""
    if text in NOT_RATED:
        return ""
    if text not in SEVERITY_LABELS:
        report.problem(where, f"Unknown severity “{label}” (expected one of: {KNOWN_LABELS}).")
        return ""
    return SEVERITY_LABELS[text]


def _vector(candidates) -> str:
    """The first vector of a version the register scores (4.0 preferred over 3.1, 3.1 over 3.0)."""
    vectors = [_text(value) for value in candidates if _text(value)]
    for prefix in VECTOR_PREFIXES:
        for vector in vectors:
            if vector.startswith(prefix):
                return vector
    return ""


def _purl_parts(purl: str) -> tuple[str, str, str]:
    """The type, name and version a package URL names ("" each when it is not one)."""
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return "", "", ""
    name = f"{parsed.namespace}/{parsed.name}" if parsed.namespace else parsed.name
    return parsed.type, name, parsed.version or ""


def _component(name, version, *, ecosystem="", purl="") -> ScanComponent:
    purl = _text(purl)
    kind = _purl_parts(purl)[0] if purl else ""
    return ScanComponent(
        name=_text(name)[:300],
        version=_text(version)[:100],
        ecosystem=(kind or _text(ecosystem)).lower()[:50],
        purl=purl[:1000],
    )


def _add(report: ScanReport, where: str, component: ScanComponent, ids: list, **values) -> None:
    """Check one finding's component and identifier and keep it (or the problem)."""
    identifier, aliases = _identify(ids)
    if not component.name:
        report.problem(where, gettext_noop("The finding names no component (package name missing)."))
        return
    if not identifier:
        report.problem(where, f"The finding in {component} has no vulnerability id.")
        return
    if len(identifier) > MAX_IDENTIFIER or not IDENTIFIER.match(identifier):
        report.problem(
            where, f"“{identifier[:120]}” is not a vulnerability id (no spaces, at most 100 characters)."
        )
        return
    title = " ".join(_text(values.pop("title", "")).split())
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    report.findings.append(
        ScanFinding(
            where=where, component=component, identifier=identifier, aliases=aliases, title=title, **values
        )
    )


def _timestamp(value) -> datetime.datetime | None:
    text = _text(value)
    if not text:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)  # Go writes nanoseconds; Python reads microseconds
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _items(value, where: str, report: ScanReport) -> Iterator[tuple[int, dict]]:
    """The objects of a JSON list (null is an empty list); anything else is a problem."""
    if value is None:
        return
    if not isinstance(value, list):
        report.problem(where, gettext_noop("Expected a list here."))
        return
    for index, item in enumerate(value):
        if isinstance(item, dict):
            yield index, item
        else:
            report.problem(f"{where}[{index}]", gettext_noop("Expected an object here."))


# --- pip-audit -----------------------------------------------------------------------------------------


def _parse_pip_audit(data, report: ScanReport) -> None:
    dependencies = data if isinstance(data, list) else data.get("dependencies")
    prefix = "" if isinstance(data, list) else "dependencies"
    for index, dependency in _items(dependencies, prefix or "file", report):
        where = f"{prefix}[{index}]"
        if dependency.get("skip_reason"):
            continue  # pip-audit could not audit it (not on PyPI): nothing was found
        name, version = _text(dependency.get("name")), _text(dependency.get("version"))
        pypi_name = name.lower().replace("_", "-")
        purl = PackageURL(type="pypi", name=pypi_name, version=version or None).to_string() if name else ""
        component = _component(name, version, ecosystem="pypi", purl=purl)
        for number, vuln in _items(dependency.get("vulns"), f"{where}.vulns", report):
            ids = [vuln.get("id"), *(vuln.get("aliases") or [])]
            description = _text(vuln.get("description"))
            title = description.split("\n", 1)[0] if description else ""
            _add(report, f"{where}.vulns[{number}]", component, ids, title=title, description=description)


# --- OSV-Scanner ---------------------------------------------------------------------------------------


def _osv_component(package: dict) -> ScanComponent:
    name, version = _text(package.get("name")), _text(package.get("version"))
    ecosystem = _text(package.get("ecosystem"))
    kind = OSV_PURL_TYPES.get(ecosystem.split(":", 1)[0].lower(), "")
    purl = ""
    if kind and name:
        namespace, _, short = name.rpartition(":" if kind == "maven" else "/")
        if kind == "pypi":
            namespace, short = "", name.lower().replace("_", "-")
        purl = PackageURL(
            type=kind, namespace=namespace or None, name=short, version=version or None
        ).to_string()
    return _component(name, version, ecosystem=kind or ecosystem, purl=purl)


def _osv_severity(record: dict, where: str, report: ScanReport) -> tuple[str, str]:
    vectors = [entry.get("score") for _, entry in _items(record.get("severity"), f"{where}.severity", report)]
    specific = record.get("database_specific")
    label = specific.get("severity") if isinstance(specific, dict) else None
    return _vector(vectors), _severity(label, where, report)


def _parse_osv(data, report: ScanReport) -> None:
    for r, result in _items(data.get("results"), "results", report):
        for p, entry in _items(result.get("packages"), f"results[{r}].packages", report):
            where = f"results[{r}].packages[{p}]"
            package = entry.get("package")
            if not isinstance(package, dict):
                report.problem(where, gettext_noop("The entry has no package."))
                continue
            component = _osv_component(package)
            records = {}
            for v, record in _items(entry.get("vulnerabilities"), f"{where}.vulnerabilities", report):
                records[_text(record.get("id"))] = (f"{where}.vulnerabilities[{v}]", record)
            groups = [
                [_text(value) for value in (group.get("ids") or []) if _text(value) in records]
                for _, group in _items(entry.get("groups"), f"{where}.groups", report)
            ]
            grouped = {value for group in groups for value in group}
            groups += [[value] for value in records if value not in grouped]
            for group in filter(None, groups):
                members = [records[value] for value in group]
                first_where = members[0][0]
                ids = [
                    value
                    for _, record in members
                    for value in [record.get("id"), *(record.get("aliases") or [])]
                ]
                vector = severity = title = description = ""
                for member_where, record in members:
                    member_vector, member_severity = _osv_severity(record, member_where, report)
                    vector, severity = vector or member_vector, severity or member_severity
                    title = title or _text(record.get("summary"))
                    description = description or _text(record.get("details"))
                _add(
                    report,
                    first_where,
                    component,
                    ids,
                    title=title,
                    description=description,
                    cvss_vector=vector,
                    severity="" if vector else severity,
                )


# --- Trivy ---------------------------------------------------------------------------------------------


def _trivy_vector(vulnerability: dict) -> str:
    sources = vulnerability.get("CVSS")
    if not isinstance(sources, dict):
        return ""
    preferred = [_text(vulnerability.get("SeveritySource")), "nvd", "ghsa"]
    ordered = [name for name in preferred if name in sources] + [
        name for name in sources if name not in preferred
    ]
    for name in ordered:
        entry = sources.get(name)
        if isinstance(entry, dict):
            vector = _vector([entry.get("V40Vector"), entry.get("V3Vector")])
            if vector:
                return vector
    return ""


def _parse_trivy(data, report: ScanReport) -> None:
    if data.get("SchemaVersion") != 2:
        raise _Refused(
            f"This Trivy report has schema version {data.get('SchemaVersion')!r}: only version 2 "
            "(Trivy 0.20 and later) is read."
        )
    report.target = _text(data.get("ArtifactName"))
    report.scanned_at = _timestamp(data.get("CreatedAt"))
    for r, result in _items(data.get("Results"), "Results", report):
        for v, vulnerability in _items(
            result.get("Vulnerabilities"), f"Results[{r}].Vulnerabilities", report
        ):
            where = f"Results[{r}].Vulnerabilities[{v}]"
            identifier = vulnerability.get("PkgIdentifier")
            purl = identifier.get("PURL") if isinstance(identifier, dict) else ""
            component = _component(
                vulnerability.get("PkgName"),
                vulnerability.get("InstalledVersion"),
                ecosystem=_text(result.get("Type")),
                purl=purl,
            )
            vector = _trivy_vector(vulnerability)
            severity = _severity(vulnerability.get("Severity"), where, report)
            _add(
                report,
                where,
                component,
                [vulnerability.get("VulnerabilityID"), *(vulnerability.get("VendorIDs") or [])],
                title=_text(vulnerability.get("Title")),
                description=_text(vulnerability.get("Description")),
                cvss_vector=vector,
                severity="" if vector else severity,
            )


# --- Grype ---------------------------------------------------------------------------------------------


def _grype_vector(records: list[dict]) -> str:
    vectors = [
        entry.get("vector")
        for record in records
        for entry in (record.get("cvss") or [])
        if isinstance(entry, dict)
    ]
    return _vector(vectors)


def _parse_grype(data, report: ScanReport) -> None:
    source = data.get("source")
    target = source.get("target") if isinstance(source, dict) else None
    report.target = _text(target.get("userInput") if isinstance(target, dict) else target)
    descriptor = data.get("descriptor")
    report.scanned_at = _timestamp(descriptor.get("timestamp") if isinstance(descriptor, dict) else None)
    for m, match in _items(data.get("matches"), "matches", report):
        where = f"matches[{m}]"
        vulnerability, artifact = match.get("vulnerability"), match.get("artifact")
        if not isinstance(vulnerability, dict) or not isinstance(artifact, dict):
            report.problem(where, gettext_noop("A match needs its vulnerability and its artifact."))
            continue
        related = [
            item
            for _, item in _items(
                match.get("relatedVulnerabilities"), f"{where}.relatedVulnerabilities", report
            )
        ]
        component = _component(
            artifact.get("name"),
            artifact.get("version"),
            ecosystem=_text(artifact.get("type")),
            purl=artifact.get("purl"),
        )
        vector = _grype_vector([vulnerability, *related])
        severity = _severity(vulnerability.get("severity"), f"{where}.vulnerability", report)
        description = _text(vulnerability.get("description")) or next(
            (_text(item.get("description")) for item in related if _text(item.get("description"))), ""
        )
        _add(
            report,
            where,
            component,
            [vulnerability.get("id"), *[item.get("id") for item in related]],
            title=description.split("\n", 1)[0] if description else "",
            description=description,
            cvss_vector=vector,
            severity="" if vector else severity,
        )


# --- CycloneDX (VEX) -----------------------------------------------------------------------------------


def _cyclonedx_checked(data: dict, report: ScanReport) -> None:
    """What the library would refuse for the whole file, named by its place instead: severities and analysis
    states nobody knows."""
    for v, vulnerability in _items(data.get("vulnerabilities"), "vulnerabilities", report):
        for r, rating in _items(vulnerability.get("ratings"), f"vulnerabilities[{v}].ratings", report):
            label = rating.get("severity")
            if label is not None and _text(label).lower() not in CYCLONEDX_SEVERITIES:
                report.problem(
                    f"vulnerabilities[{v}].ratings[{r}]",
                    f"Unknown severity “{label}” (CycloneDX knows: {', '.join(CYCLONEDX_SEVERITIES)}).",
                )


def _rating_vector(rating) -> str:
    vector = _text(rating.vector)
    method = rating.method.value if rating.method is not None else ""
    if vector and not vector.startswith("CVSS:") and method in CYCLONEDX_METHODS:
        vector = CYCLONEDX_METHODS[method] + vector
    return vector if vector.startswith(VECTOR_PREFIXES) else ""


def _all_components(bom: Bom) -> tuple[dict[str, Any], dict[str, str]]:
    """Every component by its bom-ref, and the product (system) each belongs to when the file lists several
    products at its top (applications, containers, devices, firmware, and no ``metadata.component``): a
    component nested in one of them is of that system."""
    found: dict[str, Any] = {}
    product_of: dict[str, str] = {}
    several = bom.metadata.component is None and any(
        component.type.value in PRODUCT_TYPES for component in bom.components
    )
    stack = [(component, "") for component in bom.components]
    if bom.metadata.component is not None:
        stack.append((bom.metadata.component, ""))
    while stack:
        component, product = stack.pop()
        if several and not product and component.type.value in PRODUCT_TYPES:
            product = _text(component.name)
        if component.bom_ref.value:
            found[component.bom_ref.value] = component
            if product:
                product_of[component.bom_ref.value] = product
        stack.extend((child, product) for child in component.components)
    return found, product_of


def _parse_cyclonedx(data, report: ScanReport) -> None:
    if "vulnerabilities" not in data:
        raise _Refused(
            "This CycloneDX file lists no vulnerabilities: it is an SBOM. Import it on the system's "
            "components page instead."
        )
    _cyclonedx_checked(data, report)
    if report.problems:
        return
    try:
        bom = Bom.from_json(data)  # type: ignore[attr-defined]  # added by py-serializable
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise _Refused(f"This CycloneDX file does not follow the specification: {error}.") from None
    metadata_component = bom.metadata.component
    report.target = _text(metadata_component.name) if metadata_component is not None else ""
    report.scanned_at = bom.metadata.timestamp
    components, product_of = _all_components(bom)
    raw = (
        [item for item in data["vulnerabilities"] if isinstance(item, dict)]
        if isinstance(data["vulnerabilities"], list)
        else []
    )
    # The library keeps its vulnerabilities sorted: each one's place in the file is found by id and bom-ref.
    places = {(_text(item.get("id")), _text(item.get("bom-ref"))): index for index, item in enumerate(raw)}
    for vulnerability in bom.vulnerabilities:
        bom_ref = vulnerability.bom_ref.value or ""
        index = places.get((vulnerability.id or "", bom_ref), places.get((vulnerability.id or "", ""), 0))
        where = f"vulnerabilities[{index}]"
        state = (
            vulnerability.analysis.state.value
            if vulnerability.analysis and vulnerability.analysis.state
            else ""
        )
        if state in NOT_AFFECTED:
            report.warn(
                where, f"{vulnerability.id}: left out, the analysis says “{state.replace('_', ' ')}”."
            )
            continue
        ids = [vulnerability.id or "", *(reference.id for reference in vulnerability.references)]
        ratings = list(vulnerability.ratings)
        vector = _vector(_rating_vector(rating) for rating in ratings)
        labels = [rating.severity.value for rating in ratings if rating.severity is not None]
        severity = next((SEVERITY_LABELS[label] for label in labels if label in SEVERITY_LABELS), "")
        description = _text(vulnerability.description)
        detail = _text(vulnerability.detail)
        if not vulnerability.affects:
            report.problem(
                where, f"{vulnerability.id}: the vulnerability affects no component (“affects” is empty)."
            )
            continue
        for a, target in enumerate(vulnerability.affects):
            ref = str(target.ref)
            component = components.get(ref)
            if component is None:
                _, name, version = _purl_parts(ref)
                if not name:
                    report.problem(f"{where}.affects[{a}]", f"“{ref}” names no component of this file.")
                    continue
                scan_component = _component(name, version, purl=ref)
            else:
                scan_component = _component(
                    component.name,
                    component.version,
                    purl=component.purl.to_string() if component.purl else "",
                )
            _add(
                report,
                f"{where}.affects[{a}]",
                scan_component,
                ids,
                title=description.split("\n", 1)[0] if description else "",
                description="\n\n".join(filter(None, [description, detail])),
                cvss_vector=vector,
                severity="" if vector else severity,
                system=product_of.get(ref, ""),
            )


PARSERS: dict[str, Callable[[Any, ScanReport], None]] = {
    ScanFormat.PIP_AUDIT: _parse_pip_audit,
    ScanFormat.OSV_SCANNER: _parse_osv,
    ScanFormat.TRIVY: _parse_trivy,
    ScanFormat.GRYPE: _parse_grype,
    ScanFormat.CYCLONEDX: _parse_cyclonedx,
}
