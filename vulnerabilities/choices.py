"""Choices of the vulnerabilities app."""

from django.db import models


class ComponentSource(models.TextChoices):
    SBOM = "sbom", "SBOM import"
    MANUAL = "manual", "Typed in"
    SCAN = "scan", "Scanner import"  # a component a scanner report named that the inventory lacked


class VulnerabilitySource(models.TextChoices):
    SCANNER = "scanner", "Scanner import"
    DISCLOSURE = "disclosure", "Disclosure report"
    MANUAL = "manual", "Manual"
    PENTEST = "pentest", "Penetration test"


class Severity(models.TextChoices):
    """From the CVSS base score (FIRST's qualitative rating scale, the same for 3.1 and 4.0)."""

    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    NONE = "none", "None"


# Most severe first: the register's order and the dashboard's rows.
SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.NONE]


class CvssVersion(models.TextChoices):
    V3_0 = "3.0", "CVSS 3.0"
    V3_1 = "3.1", "CVSS 3.1"
    V4_0 = "4.0", "CVSS 4.0"


class VulnerabilityStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    IN_REMEDIATION = "in_remediation", "In remediation"
    FIXED = "fixed", "Fixed"
    VERIFIED = "verified", "Verified"
    RISK_ACCEPTED = "risk_accepted", "Risk accepted"
    FALSE_POSITIVE = "false_positive", "False positive"


# Still to be dealt with: the remediation deadline runs, reminders and escalation apply.
OPEN_STATUSES = [VulnerabilityStatus.NEW, VulnerabilityStatus.TRIAGED, VulnerabilityStatus.IN_REMEDIATION]
# Settled: fixed (pending verification) counts as remediated for the deadline.
SETTLED_STATUSES = [
    VulnerabilityStatus.FIXED,
    VulnerabilityStatus.VERIFIED,
    VulnerabilityStatus.RISK_ACCEPTED,
    VulnerabilityStatus.FALSE_POSITIVE,
]


class DeadlineClock(models.TextChoices):
    TRIAGED = "triaged", "From triage"
    FIRST_SEEN = "first_seen", "From first seen"


class ScanFormat(models.TextChoices):
    """The scanner reports an import reads (``vulnerabilities.services.scanners``)."""

    PIP_AUDIT = "pip-audit", "pip-audit JSON"
    OSV_SCANNER = "osv-scanner", "OSV-Scanner JSON"
    TRIVY = "trivy", "Trivy JSON"
    GRYPE = "grype", "Grype JSON"
    CYCLONEDX = "cyclonedx", "CycloneDX with vulnerabilities (VEX)"


class ScanImportState(models.TextChoices):
    """An uploaded scanner report: checked, then applied all or nothing, in one background task."""

    QUEUED = "queued", "Waiting for a worker"
    CHECKING = "checking", "Checking"
    APPLYING = "applying", "Importing"
    APPLIED = "applied", "Imported"
    FAILED = "failed", "Not imported"
