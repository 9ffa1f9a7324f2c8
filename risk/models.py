"""The risk register: risk matrices, risks with inherent/current/target scores, treatment actions, risk
acceptances and periodic assessments. Only the risk app writes these tables, through ``risk.services``.

Scores are stored as 0-based indices into the scales of the risk's matrix (``Risk.matrix``, always the
active matrix: switching matrices re-maps every risk in one explicit step). Levels are derived from the
matrix at read time, never stored, so they cannot go stale.
"""

from datetime import timedelta
from typing import overload

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone

from dpms.pdf import PdfExportBase
from risk.choices import AcceptanceStatus, ActionStatus, RiskStatus, Treatment

USER = settings.AUTH_USER_MODEL


class RiskMatrixQuerySet(models.QuerySet):
    def active(self):
        return self.get(is_active=True)


class RiskMatrix(models.Model):
    """Likelihood × impact scales of any size, the level of every cell, level names and colours, appetite.

    ``likelihood_scale`` and ``impact_scale``: lists of {"label", "description"}, lowest first.
    ``levels``: lists of {"name", "colour", "review_days"}, lowest first (e.g. very low .. very high).
    ``cells[likelihood][impact]``: the index of the cell's level in ``levels``.
    ``appetite``: the index of the highest acceptable level.
    """

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    preset = models.CharField(max_length=40, blank=True, help_text="The shipped preset it came from, if any.")
    likelihood_scale = models.JSONField()
    impact_scale = models.JSONField()
    levels = models.JSONField()
    cells = models.JSONField()
    appetite = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RiskMatrixQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "risk matrices"
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_matrix"
            ),
        ]

    def __str__(self):
        return self.name

    def level_index(self, likelihood: int, impact: int) -> int:
        return self.cells[likelihood][impact]

    @overload
    def level(self, likelihood: int, impact: int) -> dict: ...

    @overload
    def level(self, likelihood: int | None, impact: int | None) -> dict | None: ...

    def level(self, likelihood, impact):
        """A cell's level: {"index", "name", "colour", "review_days", "above_appetite"}; None if unscored."""
        if likelihood is None or impact is None:
            return None
        index = self.level_index(likelihood, impact)
        return {**self.levels[index], "index": index, "above_appetite": index > self.appetite}


class RiskCategory(models.Model):
    """A configurable category of risks (information security, privacy, availability, supplier, ...)."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "risk categories"

    def __str__(self):
        return self.name


class RiskCounter(models.Model):
    """The last risk number handed out: locked while taking the next, so references are never reused."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"R-{self.last:03d}"


class Risk(models.Model):
    """A risk in the register, with inherent, current and target scores on the active matrix."""

    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        RiskCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="risks"
    )
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="owned_risks")
    systems = models.ManyToManyField("access.System", blank=True, related_name="risks")
    threat = models.TextField(blank=True)
    vulnerability = models.TextField(blank=True)
    existing_controls = models.TextField(blank=True)
    matrix = models.ForeignKey(RiskMatrix, on_delete=models.PROTECT, related_name="risks")
    inherent_likelihood = models.PositiveSmallIntegerField()
    inherent_impact = models.PositiveSmallIntegerField()
    current_likelihood = models.PositiveSmallIntegerField()
    current_impact = models.PositiveSmallIntegerField()
    target_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    target_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    treatment = models.CharField(max_length=10, choices=Treatment.choices, default=Treatment.MITIGATE)
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.DRAFT)
    review_interval_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Empty: by the current level (high and very high 90, moderate 180, ...).",
    )
    next_review_on = models.DateField(null=True, blank=True)
    review_reminded_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="Day of the last review reminder step sent (owner's time zone): never sent again.",
    )
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reference"]
        permissions = [("edit_shared_risk", "Edit a risk shared with them")]
        indexes = [
            models.Index(fields=["next_review_on"]),
            models.Index(fields=["owner", "status"]),
            # The register's orders read from an index (either way): by reference (R-0042 sorts by length,
            # then text), the default, and by title.
            models.Index(Length("reference"), "reference", name="risk_register_reference_order"),
            models.Index(fields=["title", "id"], name="risk_register_title_order"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    # Levels, derived from the matrix (select_related("matrix") in lists).
    @property
    def inherent_level(self):
        return self.matrix.level(self.inherent_likelihood, self.inherent_impact)

    @property
    def current_level(self):
        return self.matrix.level(self.current_likelihood, self.current_impact)

    @property
    def target_level(self):
        return self.matrix.level(self.target_likelihood, self.target_impact)

    @property
    def effective_review_days(self) -> int:
        """The review interval: set on the risk, else the current level's default."""
        return self.review_interval_days or self.current_level["review_days"]

    def next_review_from(self, day):
        return day + timedelta(days=self.effective_review_days)

    @property
    def is_overdue(self):
        return self.next_review_on is not None and self.next_review_on < timezone.localdate()


class TreatmentAction(models.Model):
    """Something to do to treat a risk: owner, due date, status; overdue ones are reminded."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="risk_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class RiskAcceptance(models.Model):
    """The owner asks to accept a risk until a date; a security officer approves, and above appetite an
    admin too. Expiry or revocation reopens the risk."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="acceptances")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    rationale = models.TextField()
    expires_on = models.DateField()
    above_appetite = models.BooleanField(
        default=False, help_text="The current level at request was above appetite."
    )
    status = models.CharField(
        max_length=10, choices=AcceptanceStatus.choices, default=AcceptanceStatus.REQUESTED
    )
    officer_approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    officer_approved_at = models.DateTimeField(null=True, blank=True)
    admin_approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    admin_approved_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rejection_reason = models.TextField(blank=True)
    revoked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    expiry_notice_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The last expiry notice told (30, 7 or 0 days before); empty: none."
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["risk"],
                condition=Q(status__in=["requested", "approved"]),
                name="one_live_acceptance_per_risk",
            ),
        ]

    def __str__(self):
        return f"Acceptance of {self.risk.reference} until {self.expires_on}"


class RiskAssessmentQuerySet(models.QuerySet):
    def latest_five(self):
        """The five latest reviews with their reviewers, in one query (``risk.assessments.latest_five`` in a
        template costs the same whatever the history's length)."""
        return self.select_related("reviewed_by").order_by("-reviewed_at", "-pk")[:5]


class RiskAssessment(models.Model):
    """One periodic review of a risk: who, when, scores before and after, notes, and the next review date."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="assessments")
    reviewed_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)
    before = models.JSONField(help_text="Scores before: {inherent: [l, i], current: [l, i], target: [l, i]}.")
    after = models.JSONField()
    current_level_index = models.PositiveSmallIntegerField(
        help_text="Current level after, for the trend chart."
    )
    notes = models.TextField(blank=True)
    next_review_on = models.DateField()

    objects = RiskAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self):
        return f"Review of {self.risk.reference} on {self.reviewed_at:%Y-%m-%d}"


class PdfExport(PdfExportBase):
    """The risk register at a date as a PDF (``dpms.pdf``): heat maps, every risk above appetite with its
    owner, treatment and acceptance, and the SHA-256 of the register CSV written beside it."""

    as_of = models.DateField(help_text="The day the register is printed for.")
