"""Third-party components per system and the vulnerabilities found in them, with their remediation deadlines
by criticality. Only the vulnerabilities app writes these tables, through ``vulnerabilities.services``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vulnerabilities.choices import (
    ComponentSource,
    CvssVersion,
    DeadlineClock,
    ScanFormat,
    ScanImportState,
    Severity,
    VulnerabilitySource,
    VulnerabilityStatus,
)

USER = settings.AUTH_USER_MODEL


class Component(models.Model):
    """A third-party component a system runs (from its CycloneDX SBOM, or typed in). A component that left
    the inventory (a re-import without it) keeps its row, ``removed_at`` set, so the vulnerabilities found
    in it still name it; it comes back when a later import lists it again."""

    system = models.ForeignKey("access.System", on_delete=models.CASCADE, related_name="components")
    name = models.CharField(_("name"), max_length=300)
    version = models.CharField(_("version"), max_length=100, blank=True)
    ecosystem = models.CharField(
        _("ecosystem"), max_length=50, blank=True, help_text="e.g. pypi, npm, maven, deb."
    )
    purl = models.CharField(_("package URL"), max_length=1000, blank=True)
    licence = models.CharField(_("licence"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=ComponentSource.choices, default=ComponentSource.MANUAL
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        ordering = ["name", "version", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "purl"], condition=~Q(purl=""), name="one_component_per_system_purl"
            ),
            models.UniqueConstraint(
                fields=["system", "name", "version"],
                condition=Q(purl=""),
                name="one_component_per_system_name_version",
            ),
        ]
        indexes = [models.Index(fields=["system", "removed_at"], name="component_inventory")]

    def __str__(self):
        return f"{self.name} {self.version}".strip()


class VulnerabilityCounter(models.Model):
    """The last vulnerability number of a year: locked while taking the next, so VULN-YYYY-NNNN is never
    reused."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"VULN-{self.year}-{self.last:04d}"


class Vulnerability(models.Model):
    """A vulnerability of a system (in one of its components, or in the system itself).

    ``severity`` is what the deadline follows: the override when there is one, else ``scored_severity``
    (from the CVSS vector's score, or as the source stated it when there is no vector yet); empty until
    known. The status moves only through ``vulnerabilities.services.register``."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    identifier = models.CharField(
        _("identifier"),
        max_length=100,
        blank=True,
        help_text="CVE, GHSA or OSV id; empty for a disclosure until known.",
    )
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    system = models.ForeignKey("access.System", on_delete=models.PROTECT, related_name="vulnerabilities")
    component = models.ForeignKey(
        Component,
        verbose_name=_("component"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vulnerabilities",
    )
    component_version = models.CharField(
        _("affected version"),
        max_length=100,
        blank=True,
        help_text="The component's version it was found in (kept when an import moves the component on).",
    )
    source = models.CharField(_("source"), max_length=10, choices=VulnerabilitySource.choices)
    cvss_vector = models.CharField(_("CVSS vector"), max_length=300, blank=True)
    cvss_version = models.CharField(_("CVSS version"), max_length=3, choices=CvssVersion.choices, blank=True)
    cvss_score = models.DecimalField(_("CVSS score"), max_digits=3, decimal_places=1, null=True, blank=True)
    scored_severity = models.CharField(
        _("scored severity"), max_length=8, choices=Severity.choices, blank=True
    )
    severity_override = models.CharField(
        _("severity override"), max_length=8, choices=Severity.choices, blank=True
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=VulnerabilityStatus.choices, default=VulnerabilityStatus.NEW
    )
    false_positive_reason = models.TextField(_("false positive reason"), blank=True)
    risk = models.ForeignKey(
        "risk.Risk",
        verbose_name=_("risk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vulnerabilities",
    )
    accepted_until = models.DateField(
        _("accepted until"),
        null=True,
        blank=True,
        help_text="Risk accepted: until the risk's acceptance expires.",
    )
    owner = models.ForeignKey(
        USER,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_vulnerabilities",
    )
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    fixed_note = models.CharField(_("fix note"), max_length=300, blank=True)
    verified_at = models.DateTimeField(pgettext_lazy("vulnerability", "verified"), null=True, blank=True)
    settled_at = models.DateTimeField(
        _("settled"),
        null=True,
        blank=True,
        help_text="When it left the open statuses (fixed, accepted, false positive).",
    )
    # The tick's memory: each step happens once per vulnerability (and again only for a new due date).
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"),
        default=0,
        help_text="0: not overdue; 1: the owner was told it is overdue; 2: the officers too.",
    )
    breached_at = models.DateTimeField(
        _("deadline passed"),
        null=True,
        blank=True,
        help_text="When the deadline passed while still open (announced once).",
    )
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-first_seen_at", "-pk"]
        verbose_name_plural = "vulnerabilities"
        constraints = [
            # Two partial constraints: a vulnerability without a component is unique per system alone
            # (NULLs are distinct in a plain unique constraint).
            models.UniqueConstraint(
                fields=["system", "component", "identifier"],
                condition=~Q(identifier="") & Q(component__isnull=False),
                name="one_vulnerability_per_component_identifier",
            ),
            models.UniqueConstraint(
                fields=["system", "identifier"],
                condition=~Q(identifier="") & Q(component__isnull=True),
                name="one_vulnerability_per_system_identifier",
            ),
            models.CheckConstraint(
                condition=Q(severity_override="") | ~Q(override_reason=""),
                name="vulnerability_override_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="vulnerability_status_due"),
            models.Index(fields=["system", "status"], name="vulnerability_system_status"),
            models.Index(fields=["owner", "status"], name="vulnerability_owner_status"),
            models.Index(Length("reference"), "reference", name="vulnerability_reference_order"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def component_label(self) -> str:
        """The component as it was when found: "django 4.2.7", whatever version the inventory lists now."""
        component = self.component
        if component is None:
            return ""
        return f"{component.name} {self.component_version}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in (
            VulnerabilityStatus.NEW,
            VulnerabilityStatus.TRIAGED,
            VulnerabilityStatus.IN_REMEDIATION,
        )

    def is_overdue_at(self, now) -> bool:
        return self.is_open and self.due_at is not None and self.due_at <= now

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_at(timezone.now())

    @property
    def deadline_running(self) -> bool:
        """False once fixed, verified or a false positive: the deadline is history then, never shown as if
        it still ran."""
        return self.status not in (
            VulnerabilityStatus.FIXED,
            VulnerabilityStatus.VERIFIED,
            VulnerabilityStatus.FALSE_POSITIVE,
        )

    @property
    def deadline_met(self) -> bool | None:
        """Fixed or verified with a deadline: whether it was fixed by then; otherwise None."""
        if self.status in (VulnerabilityStatus.FIXED, VulnerabilityStatus.VERIFIED) and self.due_at:
            return self.fixed_at is not None and self.fixed_at <= self.due_at
        return None


class RemediationPolicy(models.Model):
    """How long each severity may stay open (one row, edited by security officers)."""

    critical_days = models.PositiveSmallIntegerField(default=7)
    high_days = models.PositiveSmallIntegerField(default=30)
    medium_days = models.PositiveSmallIntegerField(default=90)
    low_days = models.PositiveSmallIntegerField(default=180)
    clock_from = models.CharField(max_length=10, choices=DeadlineClock.choices, default=DeadlineClock.TRIAGED)
    halve_for_production_personal_data = models.BooleanField(
        default=True,
        help_text=_(
            "Production systems holding personal data (classified confidential or strictly "
            "confidential) get half the time (rounded up)."
        ),
    )
    reminder_days_before_due = models.PositiveSmallIntegerField(
        default=3, help_text=_("The owner is reminded this many days before the deadline (0: no reminder).")
    )
    escalate_to_officers_after_days = models.PositiveSmallIntegerField(
        default=3,
        help_text=_(
            "Past the deadline the owner is told at once; this many days later the security officers."
        ),
    )
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "remediation policy"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="one_remediation_policy")]

    def __str__(self):
        return "Remediation policy"

    def days_for(self, severity: str) -> int | None:
        """The days a vulnerability of ``severity`` may stay open (None: no deadline)."""
        days: dict[str, int] = {
            Severity.CRITICAL: self.critical_days,
            Severity.HIGH: self.high_days,
            Severity.MEDIUM: self.medium_days,
            Severity.LOW: self.low_days,
        }
        return days.get(severity)


class ScanImport(models.Model):
    """An uploaded scanner report (pip-audit, OSV-Scanner, Trivy, Grype, CycloneDX VEX) on its way, then the
    record of what it did: stored, checked and applied all or nothing by one Celery task
    (``vulnerabilities.services.imports``), or checked and applied at once by ``manage.py import_scan``.

    ``content`` is the file (at most 50 MB), never read by a list or a progress poll, emptied once the import
    has ended. ``system`` is the one chosen at upload, or the one the file names (its scanned artifact) once
    checked. ``result``: the counts and the first problems and warnings, each with its place in the file.
    ``done``/``total``/``progress_at``: the running work's progress and heartbeat."""

    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    system = models.ForeignKey(
        "access.System", null=True, blank=True, on_delete=models.CASCADE, related_name="scan_imports"
    )
    format = models.CharField(max_length=12, choices=ScanFormat.choices, blank=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    content = models.BinaryField(editable=False)
    full = models.BooleanField(
        default=False,
        help_text="A full scan of the system: its scanner vulnerabilities absent from it are marked fixed.",
    )
    state = models.CharField(max_length=10, choices=ScanImportState.choices, default=ScanImportState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    scanned_at = models.DateTimeField(null=True, blank=True, help_text="When the file says it was scanned.")
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    fixed_count = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "progress_at"], name="scan_import_by_state"),
            models.Index(fields=["system", "-uploaded_at"], name="scan_import_by_system"),
        ]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def running(self) -> bool:
        return self.state in (ScanImportState.QUEUED, ScanImportState.CHECKING, ScanImportState.APPLYING)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class DisclosurePolicy(models.Model):
    """The disclosure policy shown on the public report page (one row, edited by security officers)."""

    text = models.TextField()
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "disclosure policy"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="one_disclosure_policy")]

    def __str__(self):
        return "Disclosure policy"


class Disclosure(models.Model):
    """A report from outside through the public form: what the reporter told, the vulnerability it is
    recorded as (source "disclosure") and the incident filed for triage. The reporter follows it through a
    private link: ``token_prefix`` finds the row, only the SHA-256 of the secret is kept (``dpms.tokens``),
    and a revoked link (``link_revoked_at``) shows nothing."""

    vulnerability = models.OneToOneField(Vulnerability, on_delete=models.PROTECT, related_name="disclosure")
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(
        max_length=300, blank=True, help_text="What the reporter called it (the register's title may change)."
    )
    location = models.TextField(
        help_text="Where: the address, product or page affected, as the reporter said."
    )
    steps = models.TextField(help_text="How to reproduce it, as the reporter said.")
    reporter_contact = models.CharField(max_length=300)
    pgp_key = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    token_prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    link_revoked_at = models.DateTimeField(null=True, blank=True)
    link_revoked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self):
        return f"Disclosure of {self.vulnerability.reference}"


class DisclosureMessage(models.Model):
    """What the reporter added later through their link (the files went to the incident)."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="messages")
    text = models.TextField()
    file_names = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self):
        return f"Message on {self.disclosure_id} at {self.sent_at:%Y-%m-%d %H:%M}"
