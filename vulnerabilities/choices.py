"""Choices of the vulnerabilities app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ComponentSource(models.TextChoices):
    SBOM = "sbom", _("SBOM import")
    MANUAL = "manual", _("Typed in")
    SCAN = "scan", _("Scanner import")  # a component a scanner report named that the inventory lacked


class VulnerabilitySource(models.TextChoices):
    SCANNER = "scanner", _("Scanner import")
    DISCLOSURE = "disclosure", _("Disclosure report")
    MANUAL = "manual", _("Manual")
    PENTEST = "pentest", _("Penetration test")


class Severity(models.TextChoices):
    """From the CVSS base score (FIRST's qualitative rating scale, the same for 3.1 and 4.0)."""

    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")
    NONE = "none", pgettext_lazy("severity", "None")


# Most severe first: the register's order and the dashboard's rows.
SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.NONE]


class CvssVersion(models.TextChoices):
    V3_0 = "3.0", _("CVSS 3.0")
    V3_1 = "3.1", _("CVSS 3.1")
    V4_0 = "4.0", _("CVSS 4.0")


class VulnerabilityStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    IN_REMEDIATION = "in_remediation", _("In remediation")
    FIXED = "fixed", _("Fixed")
    VERIFIED = "verified", pgettext_lazy("vulnerability", "Verified")
    RISK_ACCEPTED = "risk_accepted", _("Risk accepted")
    FALSE_POSITIVE = "false_positive", _("False positive")


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
    TRIAGED = "triaged", _("From triage")
    FIRST_SEEN = "first_seen", _("From first seen")


class ScanFormat(models.TextChoices):
    """The scanner reports an import reads (``vulnerabilities.services.scanners``)."""

    PIP_AUDIT = "pip-audit", _("pip-audit JSON")
    OSV_SCANNER = "osv-scanner", _("OSV-Scanner JSON")
    TRIVY = "trivy", _("Trivy JSON")
    GRYPE = "grype", _("Grype JSON")
    CYCLONEDX = "cyclonedx", _("CycloneDX with vulnerabilities (VEX)")


class ScanImportState(models.TextChoices):
    """An uploaded scanner report: checked, then applied all or nothing, in one background task."""

    QUEUED = "queued", _("Waiting for a worker")
    CHECKING = "checking", _("Checking")
    APPLYING = "applying", _("Importing")
    APPLIED = "applied", _("Imported")
    FAILED = "failed", _("Not imported")
