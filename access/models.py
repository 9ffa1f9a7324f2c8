"""The access register (systems, roles, grants, requests) and periodic recertification (policies, campaigns,
review items, revocation tasks). Only the access app writes these tables, through ``access.services``."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from access.choices import (
    RECOMMENDED_DECISION,
    Cadence,
    CampaignKind,
    CampaignStatus,
    DataClassification,
    Decision,
    DefaultDecision,
    Environment,
    ExpiryAction,
    FindingKind,
    GrantSource,
    ImportJobPhase,
    ImportJobState,
    ImportStatus,
    Recommendation,
    RequestStatus,
    ReviewerRule,
    TaskStatus,
    read_recommendation_reason,
)
from dpms.pdf import PdfExportBase

USER = settings.AUTH_USER_MODEL


class System(models.Model):
    """An information system whose access is managed here. The portal itself is one (``is_portal``)."""

    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_systems"
    )
    environment = models.CharField(max_length=12, choices=Environment.choices, default=Environment.PRODUCTION)
    data_classification = models.CharField(
        max_length=24, choices=DataClassification.choices, default=DataClassification.INTERNAL
    )
    max_privileged = models.PositiveIntegerField(
        default=3,
        help_text="Administrators kept to the bare minimum: more active privileged grants is a finding.",
    )
    expiry_action = models.CharField(
        max_length=8,
        choices=ExpiryAction.choices,
        default=ExpiryAction.REVOKE,
        help_text="At a temporary grant's expiry: revoke it at once, or open a revocation task.",
    )
    is_portal = models.BooleanField(
        default=False, help_text="This portal itself: its roles are the portal roles."
    )
    auto_revoke_leavers = models.BooleanField(
        "revoke leavers' access at once",
        default=False,
        help_text="When a person leaves, their access here is revoked at once (the system follows the "
        "register, e.g. through the directory), instead of a revocation task for the owner.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_portal"], condition=Q(is_portal=True), name="one_portal_system"
            ),
        ]

    def __str__(self):
        return self.name


class Role(models.Model):
    """A role on a system; privileged roles are administrator-like and reviewed more strictly."""

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    privileged = models.BooleanField(default=False)

    class Meta:
        ordering = ["system__name", "name"]
        constraints = [models.UniqueConstraint(fields=["system", "name"], name="role_name_unique_per_system")]

    def __str__(self):
        return f"{self.system.name} · {self.name}"


class GrantQuerySet(models.QuerySet["Grant"]):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def privileged(self):
        return self.filter(role__privileged=True)


class Grant(models.Model):
    """A person holds a role. A revoked grant keeps when, by whom and why; one active grant per user, role."""

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="grants")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="grants")
    granted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    justification = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Temporary access ends here.")
    source = models.CharField(max_length=12, choices=GrantSource.choices, default=GrantSource.MANUAL)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoke_reason = models.TextField(blank=True)
    # Reconciliation with imports: absent from a full import of its system → flagged, never silently revoked.
    last_seen_in_import_at = models.DateTimeField(null=True, blank=True)
    reconciliation_flagged_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    # Temporary access: when the holder and owner were told it ends in 7 days / 1 day (each told once).
    expiry_week_notice_at = models.DateTimeField(null=True, blank=True)
    expiry_day_notice_at = models.DateTimeField(null=True, blank=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_grant_per_user_role",
            ),
        ]
        indexes = [
            models.Index(fields=["role", "revoked_at"]),
            models.Index(fields=["user", "revoked_at"]),
            models.Index(fields=["expires_at"]),
            # The grants list sorted by when granted or when it ends: a page of active grants read in
            # index order, not all 100,000 sorted.
            models.Index(
                fields=["granted_at", "id"], condition=Q(revoked_at=None), name="active_grant_by_granted"
            ),
            models.Index(
                fields=["expires_at", "id"], condition=Q(revoked_at=None), name="active_grant_by_expiry"
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.role}"

    @property
    def is_active(self):
        return self.revoked_at is None


class AccessRequest(models.Model):
    """Someone asks for a role (for themselves, or a manager for a report). The person's manager approves, and
    the system owner too for a privileged role; approval creates the grant."""

    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="access_requests_made")
    requested_for = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="access_requests")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="requests")
    justification = models.TextField()
    end_date = models.DateField(null=True, blank=True, help_text="Temporary access: the grant expires then.")
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    manager_approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager_approved_at = models.DateTimeField(null=True, blank=True)
    owner_approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_approved_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    grant = models.OneToOneField(
        Grant, null=True, blank=True, on_delete=models.SET_NULL, related_name="request"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.requested_for} asks for {self.role}"


class ImportBatch(models.Model):
    """One CSV import of grants: what was uploaded, by whom, and what it changed (all-or-nothing)."""

    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    full = models.BooleanField(
        default=False, help_text="A full export of its systems: absent grants are flagged."
    )
    systems = models.ManyToManyField(System, related_name="imports")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.APPLIED)
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    flagged_count = models.PositiveIntegerField(default=0)
    revoked_present_count = models.PositiveIntegerField(
        default=0, help_text="Rows naming a revoked grant: a finding each, never re-granted silently."
    )
    cleared_count = models.PositiveIntegerField(
        default=0, help_text="Flagged grants present again: flag cleared, finding resolved."
    )

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d})"


class ImportJob(models.Model):
    """An uploaded CSV file of grants on its way: checked by a Celery task (``checking`` → ``checked``, or
    ``check_failed`` with the problems), then, once its uploader confirms, applied all-or-nothing by another
    (``applying`` → ``applied`` with its ``batch``, or ``failed`` with the problems found on the way).

    ``content`` is the file itself (at most 5 MB): never read by a list or a progress poll (``defer`` it),
    and emptied once the job has ended. ``result`` is the latest check's summary (counts, the problems and
    warnings with their rows, the grants to flag), each list capped. ``phase``, ``done`` and ``total`` are
    the running work's progress, ``progress_at`` its heartbeat: a job still checking or applying long after
    it was last heard of lost its task (``access.services.imports.import_jobs_sweep``)."""

    uploaded_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    full = models.BooleanField(
        default=False, help_text="A full export of its systems: absent grants are flagged."
    )
    size = models.PositiveIntegerField(default=0, help_text="Bytes uploaded.")
    content = models.BinaryField(editable=False)
    state = models.CharField(max_length=12, choices=ImportJobState.choices, default=ImportJobState.CHECKING)
    phase = models.CharField(max_length=12, choices=ImportJobPhase.choices, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    progress_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Runs of the current step's task (a lost one is sent again, a few times)."
    )
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    batch = models.OneToOneField(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="job"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(fields=["uploaded_by", "state"], name="import_job_by_uploader"),
            models.Index(fields=["state", "progress_at"], name="import_job_by_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(batch__isnull=True) | Q(state=ImportJobState.APPLIED),
                name="import_job_batch_only_when_applied",
            ),
        ]

    def __str__(self):
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def running(self) -> bool:
        """Checking or applying: the page shows the progress and polls it."""
        return self.state in (ImportJobState.CHECKING, ImportJobState.APPLYING)

    @property
    def checking_again(self) -> bool:
        """The apply's first part: the file is checked again, against the register as it is now."""
        return self.state == ImportJobState.APPLYING and self.phase in (
            ImportJobPhase.READING,
            ImportJobPhase.LOOKING_UP,
            ImportJobPhase.COMPARING,
        )

    @property
    def percent(self) -> int | None:
        return min(100, round(100 * self.done / self.total)) if self.total else None


class Finding(models.Model):
    """Something a security officer must look at: too many administrators, a revoked grant still present in
    its system, a grant absent from a full import (about a system), or a leaver's access still open (about a
    person: ``person`` set, no system). Open until resolved; one open finding per kind and subject."""

    kind = models.CharField(max_length=24, choices=FindingKind.choices)
    system = models.ForeignKey(
        System, null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    grant = models.ForeignKey(Grant, null=True, blank=True, on_delete=models.CASCADE, related_name="findings")
    person = models.ForeignKey(USER, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    details = models.TextField(blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite cannot enforce.
            models.UniqueConstraint(
                fields=["kind", "system"],
                condition=Q(resolved_at__isnull=True, grant__isnull=True),
                name="one_open_finding_per_system",
            ),
            models.UniqueConstraint(
                fields=["kind", "grant"],
                condition=Q(resolved_at__isnull=True, grant__isnull=False),
                name="one_open_finding_per_grant",
            ),
            models.UniqueConstraint(
                fields=["kind", "person"],
                condition=Q(resolved_at__isnull=True, person__isnull=False),
                name="one_open_finding_per_person",
            ),
            models.CheckConstraint(
                condition=Q(system__isnull=False) | Q(person__isnull=False), name="finding_has_a_subject"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.system or self.person}"


class ReviewPolicy(models.Model):
    """How and when access is recertified: scope, reviewer rule, cadence, reminders, escalation, defaults."""

    name = models.CharField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=False)
    # Scope: empty systems = every system; empty environments = every environment.
    systems = models.ManyToManyField(System, blank=True, related_name="review_policies")
    environments = models.JSONField(default=list, blank=True, help_text="List of environments; empty: all.")
    privileged_only = models.BooleanField(default=False)
    reviewer_rule = models.CharField(
        max_length=12, choices=ReviewerRule.choices, default=ReviewerRule.MANAGER
    )
    named_reviewer = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fallback_reviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    cadence = models.CharField(max_length=12, choices=Cadence.choices, default=Cadence.QUARTERLY)
    start_date = models.DateField()
    duration_days = models.PositiveIntegerField(default=14)
    reminder_days_before_due = models.JSONField(default=list, blank=True, help_text="e.g. [3, 1]")
    remind_at_launch = models.BooleanField(default=True)
    remind_at_half_time = models.BooleanField(default=True)
    remind_daily_when_overdue = models.BooleanField(default=True)
    escalate_after_overdue_days = models.PositiveIntegerField(default=3)
    default_decision = models.CharField(
        max_length=8, choices=DefaultDecision.choices, default=DefaultDecision.FLAG
    )
    auto_apply = models.BooleanField(default=False, help_text="Apply revocations at close without a task.")
    auto_revoke_confirm_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=0.2,
        help_text="A close that would auto-revoke more than this share of items stops for confirmation.",
    )
    next_run_at = models.DateTimeField(
        null=True, blank=True, help_text="When the tick launches the next campaign."
    )
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "review policies"

    def __str__(self):
        return self.name

    def close_date(self, due_at):
        """When a campaign due at ``due_at`` closes by itself: after the escalation window (daily overdue
        reminders, the reviewer's manager after N overdue days, the security officers after N more)."""
        return due_at + timedelta(days=2 * self.escalate_after_overdue_days)


class ReviewCampaign(models.Model):
    """One run of a policy for one period (or an ad hoc or mover review): a frozen population of items."""

    policy = models.ForeignKey(
        ReviewPolicy, null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    kind = models.CharField(max_length=10, choices=CampaignKind.choices, default=CampaignKind.SCHEDULED)
    name = models.CharField(max_length=200)
    period_key = models.CharField(
        max_length=40, help_text="e.g. 2026-Q4; one campaign per policy and period."
    )
    status = models.CharField(max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.LAUNCHING)
    launched_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    launched_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    closes_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the tick closes it: after the due date, overdue reminders and escalation get their "
        "window (twice the policy's escalation days). Empty: at the due date.",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    population_count = models.PositiveIntegerField(default=0)
    population_sha256 = models.CharField(max_length=64, blank=True)
    items_created = models.PositiveIntegerField(default=0, help_text="Launch progress.")
    close_confirmed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    evidence_generated_at = models.DateTimeField(null=True, blank=True)
    defaulted_items = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Items that took the default at close (nobody decided them), whatever the default "
        "decision; empty until closed.",
    )
    evidence_review = models.JSONField(
        null=True,
        blank=True,
        help_text="The review's numbers frozen at close (total, reviewed by a person, defaulted, their "
        "shares), stated in the evidence manifest; empty for campaigns closed before they were kept.",
    )

    class Meta:
        ordering = ["-launched_at"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "period_key"], name="one_campaign_per_policy_period"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        return self.status == CampaignStatus.OPEN

    @property
    def automatic_close_at(self):
        return self.closes_at or self.due_at


class EvidenceChunk(models.Model):
    """A piece of a closed campaign's evidence CSV, in order: the file is written and downloaded a piece at
    a time, and is never loaded with the campaign."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="evidence_chunks")
    position = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="one_evidence_chunk_per_position"),
        ]

    def __str__(self):
        return f"evidence of campaign {self.campaign_id}, part {self.position + 1}"


class ReviewItem(models.Model):
    """One grant under review, with a snapshot of who/what/where so the evidence stays true afterwards."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="items")
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="review_items")
    # Snapshot at launch.
    holder = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    holder_label = models.CharField(max_length=300)
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    system_name = models.CharField(max_length=150)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    role_name = models.CharField(max_length=150)
    privileged = models.BooleanField(default=False)
    environment = models.CharField(max_length=12, choices=Environment.choices)
    granted_at = models.DateTimeField()
    granted_by_label = models.CharField(max_length=300, blank=True)
    grant_justification = models.TextField(blank=True)
    holder_deactivated = models.BooleanField(default=False)
    # Routing.
    reviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="review_items")
    routing_note = models.CharField(max_length=300, blank=True, help_text="Why the fallback reviewer has it.")
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_to = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recommendation = models.CharField(max_length=16, choices=Recommendation.choices, blank=True)
    recommendation_reason = models.CharField(max_length=300, blank=True)
    # Decision.
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PENDING)
    justification = models.TextField(blank=True)
    downgrade_to = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    keep_until = models.DateField(null=True, blank=True, help_text="A time-boxed exception.")
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    default_applied = models.BooleanField(default=False)
    override = models.BooleanField(default=False, help_text="Decided or reassigned by a security officer.")
    bulk = models.BooleanField(default=False)
    applied_at = models.DateTimeField(null=True, blank=True, help_text="Revocation applied (auto-apply).")
    applied_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Empty: the tick."
    )

    class Meta:
        ordering = ["holder_label", "system_name", "role_name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "grant"], name="one_item_per_grant_per_campaign")
        ]
        indexes = [
            models.Index(fields=["reviewer", "decision"]),
            models.Index(fields=["campaign", "decision"]),
            # "My reviews" of a security officer includes every item escalated to the officers' level.
            models.Index(fields=["escalation_level"], name="reviewitem_escalation_level"),
            # Rebuilding a campaign's tallies reads this index alone (no table rows).
            models.Index(fields=["campaign", "reviewer", "decision"], name="reviewitem_tally"),
            # The campaign page's flagged lists: counted and their first rows read in order through their
            # own small index, however many items the campaign has.
            *(
                models.Index(fields=["campaign", "holder_label", "id"], condition=condition, name=name)
                for name, condition in (
                    ("reviewitem_rerouted", ~Q(routing_note="")),
                    ("reviewitem_no_response", Q(decision=Decision.NO_RESPONSE)),
                    ("reviewitem_bulk_keep", Q(bulk=True, decision=Decision.KEEP)),
                    ("reviewitem_override", Q(override=True)),
                )
            ),
        ]

    def __str__(self):
        return f"{self.holder_label}: {self.system_name} · {self.role_name}"

    @property
    def recommended_decision(self) -> str:
        """What "Accept recommendations" decides (keep or revoke); "" when it leaves the item alone."""
        return RECOMMENDED_DECISION.get(self.recommendation, "")

    @property
    def recommendation_reason_read(self) -> str:
        """The stored (English) recommendation reason in the reader's language."""
        return read_recommendation_reason(self.recommendation_reason)


class ReviewTally(models.Model):
    """How many items of a campaign one reviewer holds with one decision. The campaign pages read progress
    from these rows (a few per reviewer) instead of counting every item of a campaign of 100,000. Kept by
    the services that change items (``access.services.tallies``): moved by one on a decision or a
    reassignment, rebuilt from the items after a launch, a mover review and a close."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="tallies")
    reviewer = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    items = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "reviewer", "decision"], name="one_tally_per_reviewer_and_decision"
            )
        ]

    def __str__(self):
        return f"campaign {self.campaign_id}, reviewer {self.reviewer_id}, {self.decision}: {self.items}"


class ReminderClaim(models.Model):
    """A reviewer the reminder tick claimed for one step of a campaign and handed to a worker to write their
    digest (``access.services.reminders``). The worker deletes it with the digest written; one still here
    after ``reminders.CLAIM_STALE_AFTER`` lost its task, and the next tick hands it out again."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=40)  # ReminderStep.key: launch, half, before-3, overdue-2
    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "step", "recipient"], name="one_reminder_claim_per_step_and_person"
            )
        ]

    def __str__(self):
        return f"campaign {self.campaign_id}, {self.step}: person {self.recipient_id}"


class RevocationTask(models.Model):
    """What a revoke (or downgrade, or expiry) asks the system owner to do, tracked until done."""

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="revocation_tasks")
    grant = models.ForeignKey(Grant, on_delete=models.PROTECT, related_name="revocation_tasks")
    review_item = models.OneToOneField(
        ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="revocation_task"
    )
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="revocation_tasks"
    )
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=6, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    done_note = models.TextField(blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_to = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalated_revocation_tasks"
    )
    leaver = models.BooleanField(default=False, help_text="Opened because the holder left (was deactivated).")

    class Meta:
        ordering = ["status", "due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant"], condition=Q(status="open"), name="one_open_revocation_task_per_grant"
            ),
        ]
        # The officers' dashboard counts open leaver tasks through this small index, whatever the history.
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="open", leaver=True), name="open_leaver_tasks")
        ]

    def __str__(self):
        return f"Revoke {self.grant}"


class BirthrightRule(models.Model):
    """Birthright access: every joiner of ``team`` is given ``role`` (grant source "birthright"), reviewed
    like any grant. Set by security officers; baseline access only, so never a privileged or portal role."""

    team = models.ForeignKey("dpms.Team", on_delete=models.CASCADE, related_name="birthright_rules")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="birthright_rules")
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "role__system__name", "role__name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "role"], name="one_birthright_per_team_and_role")
        ]

    def __str__(self):
        return f"{self.team}: {self.role}"


class PdfExport(PdfExportBase):
    """A closed campaign's evidence as a PDF (``dpms.pdf``): its numbers, per-reviewer completion, every
    revoke with its state, and the evidence file's SHA-256, written in the background for one person."""

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="pdf_exports")

    class Meta(PdfExportBase.Meta):
        indexes = [models.Index(fields=["campaign", "-created_at"], name="access_pdf_by_campaign")]
