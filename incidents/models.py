"""Security incidents: reports, triage, the workflow, timed escalation and the regulatory clocks.

Only the incidents app writes these tables, through ``incidents.services``. Times are stored in UTC; every
deadline is an elapsed-time offset from a stored instant (``aware_at + 72 h``), so it is right across
daylight-saving changes, and shown in the viewer's time zone.
"""

import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Case, DateTimeField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Least, Length
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from dpms.pdf import PdfExportBase
from incidents.choices import (
    OPEN_STATUSES,
    ActionStatus,
    AuthorityDecision,
    Category,
    EscalationTarget,
    EscalationTrigger,
    EventKind,
    PersonalData,
    Severity,
    Status,
    SubjectsDecision,
)

USER = settings.AUTH_USER_MODEL
AUTHORITY_HOURS = 72  # GDPR Art. 33(1)
NIS2_EARLY_WARNING_HOURS = 24  # NIS2 Art. 23(4)(a)
NIS2_NOTIFICATION_HOURS = 72  # NIS2 Art. 23(4)(b)


NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)  # the queue's sentinel: later than any real deadline

# The deadlines an incident can have pending: (name shown in the queue, deadline field, condition under which
# it is pending).
PENDING_DEADLINES = (
    (_("Authority notification"), "authority_deadline", Q(is_breach=True, authority_decision="")),
    (_("Escalation"), "next_escalation_at", Q()),
    (_("NIS2 early warning"), "nis2_early_warning_deadline", Q(nis2_early_warning_at__isnull=True)),
    (_("NIS2 notification"), "nis2_notification_deadline", Q(nis2_notification_at__isnull=True)),
    (_("NIS2 final report"), "nis2_final_report_deadline", Q(nis2_final_report_at__isnull=True)),
)


# The incident queue's default order, computed per row by the database: the earliest pending deadline, then
# open before closed, then untriaged before SEV1..SEV4, newest first. ``Incident.Meta.indexes`` indexes these
# very expressions, so the queue reads its first page from the index instead of sorting every incident: keep
# the queue (``incidents.queries.lists``) and the index on these functions.
def nearest_deadline_sort():
    """The earliest pending deadline, or ``NO_DEADLINE`` when none is pending. ``Least()`` is NULL on
    SQLite as soon as one argument is NULL (PostgreSQL ignores NULLs): each candidate falls back to the
    sentinel instead."""
    candidates = [
        Case(
            When(condition & Q(**{f"{field}__isnull": False}), then=F(field)),
            default=Value(NO_DEADLINE),
            output_field=DateTimeField(),
        )
        for _label, field, condition in PENDING_DEADLINES
    ]
    return Least(*candidates, output_field=DateTimeField())


def open_rank():
    """0 for an open incident, 1 for a closed or dismissed one."""
    return Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())


def severity_rank():
    """0 for untriaged (it needs triage), then the severity: SEV1 first."""
    return Coalesce("severity", Value(0), output_field=IntegerField())


class IncidentCounter(models.Model):
    """The last incident number of a year: locked while taking the next, so INC-YYYY-NNNN is never reused."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"INC-{self.year}-{self.last:04d}"


class Incident(models.Model):
    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(help_text="What happened, as the reporter saw it.")
    category = models.CharField(max_length=30, choices=Category.choices)
    reported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="reported_incidents")
    reported_at = models.DateTimeField(default=timezone.now)
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="When it happened, if known.")
    noticed_at = models.DateTimeField(help_text="When it was noticed.")
    personal_data = models.CharField(
        max_length=10, choices=PersonalData.choices, default=PersonalData.UNKNOWN
    )
    systems = models.ManyToManyField("access.System", blank=True, related_name="incidents")
    risks = models.ManyToManyField("risk.Risk", blank=True, related_name="incidents")

    # Triage and workflow.
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.REPORTED)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, null=True, blank=True)
    handler = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="handled_incidents"
    )
    confidential = models.BooleanField(default=False)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contained_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissal_reason = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    lessons_learned = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    # Escalation: the policy of the current severity runs from ``escalation_started_at``; a new severity
    # starts a new ``escalation_round`` (the levels of the new policy fire once each in that round).
    escalation_round = models.PositiveIntegerField(default=0)
    escalation_started_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        default=0, help_text="The highest level fired in this round (0: none)."
    )
    next_escalation_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next level or repeat is due; empty: nothing pending."
    )
    # added by escalation-fix: the current round's levels as they stood when the round started (a policy
    # edit applies to later rounds only); see incidents.services.escalation.
    escalation_plan = models.JSONField(default=list, blank=True)

    # Personal-data breach (GDPR Art. 33/34).
    is_breach = models.BooleanField(default=False)
    breach_marked_at = models.DateTimeField(null=True, blank=True)
    breach_marked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    aware_at = models.DateTimeField(null=True, blank=True, help_text="Awareness: the clock starts here.")
    aware_at_reason = models.TextField(blank=True, help_text="Why awareness differs from the noticed time.")
    authority_deadline = models.DateTimeField(null=True, blank=True, help_text="aware_at + 72 hours.")
    authority_decision = models.CharField(max_length=15, choices=AuthorityDecision.choices, blank=True)
    authority_notified_at = models.DateTimeField(null=True, blank=True)
    authority_reference = models.CharField(max_length=200, blank=True)
    authority_not_required_reason = models.TextField(blank=True)
    authority_delay_reason = models.TextField(blank=True, help_text="Art. 33(1): reasons for a late notice.")
    authority_decided_at = models.DateTimeField(null=True, blank=True)
    authority_decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    breach_reminder_hours = models.PositiveSmallIntegerField(
        default=0, help_text="The last clock reminder sent (24, 48, 66, 72 hours elapsed); never sent again."
    )
    breach_nature = models.TextField(
        blank=True, help_text="Categories and approximate numbers of data subjects and records concerned."
    )
    breach_effects = models.TextField(blank=True, help_text="The likely consequences of the breach.")
    breach_remedial_action = models.TextField(blank=True, help_text="Measures taken or proposed.")
    subjects_decision = models.CharField(max_length=20, choices=SubjectsDecision.choices, blank=True)
    subjects_decision_reason = models.TextField(blank=True)
    subjects_notified_at = models.DateTimeField(null=True, blank=True)
    subjects_decided_at = models.DateTimeField(null=True, blank=True)
    subjects_decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # NIS2 Art. 23 (when settings.NIS2_ENABLED): a significant incident's three reports.
    nis2_significant = models.BooleanField(default=False)
    nis2_aware_at = models.DateTimeField(null=True, blank=True)
    nis2_early_warning_deadline = models.DateTimeField(null=True, blank=True)
    nis2_early_warning_at = models.DateTimeField(null=True, blank=True)
    nis2_notification_deadline = models.DateTimeField(null=True, blank=True)
    nis2_notification_at = models.DateTimeField(null=True, blank=True)
    nis2_final_report_deadline = models.DateTimeField(null=True, blank=True)
    nis2_final_report_at = models.DateTimeField(null=True, blank=True)
    nis2_reminder_key = models.CharField(
        max_length=40, blank=True, help_text="The last NIS2 reminder step sent; never sent again."
    )

    class Meta:
        ordering = ["-reported_at", "-pk"]
        permissions = [("view_confidential_incident", "See a confidential incident shared with them")]
        indexes = [
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["next_escalation_at"]),
            models.Index(fields=["authority_deadline"]),
            models.Index(fields=["reported_by", "-reported_at"]),
            # The queue's default order (nearest deadline first): its first page is read from here.
            models.Index(
                nearest_deadline_sort(),
                open_rank(),
                severity_rank(),
                F("reported_at").desc(),
                F("id").desc(),
                name="incident_queue_deadline_order",
            ),
            # The queue's other orders that can be read from an index (either way): newest or oldest first,
            # and by reference (INC-2026-0042 sorts by length, then text).
            models.Index(fields=["reported_at", "id"], name="incident_queue_reported_order"),
            models.Index(Length("reference"), "reference", name="incident_queue_reference_order"),
            # The breaches whose authority clock runs (a handful, among every incident ever reported): the
            # running-clocks panel, the queue's clock filters and the clock reminders read them from here;
            # with who may see them, so that counting them reads the index only (PostgreSQL).
            models.Index(
                fields=["authority_deadline", "id"],
                condition=Q(is_breach=True, authority_decision=""),
                include=["status", "confidential", "handler"],
                name="incident_running_clock",
            ),
            # The incidents by status with what the queue's count and the open-incidents panel read (who may
            # see each, severity, acknowledged): they count the open ones from the index only (PostgreSQL,
            # once vacuumed), not from every row of the table.
            models.Index(
                fields=["status", "severity", "confidential", "handler", "reported_by", "id"],
                include=["acknowledged_at"],
                name="incident_visible_by_status",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def is_open(self):
        return self.status not in (Status.CLOSED, Status.DISMISSED)

    @property
    def severity_label(self):
        return Severity(self.severity).label if self.severity else _("Untriaged")

    @property
    def authority_clock_running(self):
        return self.is_breach and not self.authority_decision

    @staticmethod
    def authority_deadline_for(aware_at):
        # Elapsed hours: in UTC, so a daylight-saving change in the viewer's zone does not move it.
        return aware_at.astimezone(UTC) + timedelta(hours=AUTHORITY_HOURS)


class IncidentEvent(models.Model):
    """One line of the timeline. ``internal`` lines are for handlers, security officers and auditors; the
    reporter sees the others."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=15, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    internal = models.BooleanField(default=True)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"])]

    def __str__(self):
        return f"{self.incident_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


def _attachment_storage():
    return FileSystemStorage(location=settings.INCIDENT_ATTACHMENTS_DIR, base_url=None)


attachment_storage = SimpleLazyObject(_attachment_storage)


def attachment_storage_for_field():
    """The field's storage as a callable: migrations name this function instead of writing down the
    directory the settings gave on the machine that made them (makemigrations saw a change elsewhere)."""
    return attachment_storage


def attachment_path(instance, filename):
    # The stored name is random: what the reporter called the file is kept in ``original_name`` only.
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class IncidentAttachment(models.Model):
    """A file on an incident, stored outside the web root and served only to people who may see it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        IncidentEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    # A lazy Storage, built from the settings when first used.
    file = models.FileField(
        storage=attachment_storage_for_field,
        upload_to=attachment_path,
        max_length=200,
    )
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    internal = models.BooleanField(default=False, help_text="Hidden from the reporter.")
    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


# added by escalation-fix: policy 0 is for untriaged reports; incidents keep the four severities.
POLICY_SEVERITY_CHOICES = [(0, "Untriaged"), *Severity.choices]


class EscalationPolicy(models.Model):
    """What happens when an incident of one severity sits unacknowledged or uncontained (severity 0: an
    untriaged report sits untriaged)."""

    severity = models.PositiveSmallIntegerField(
        choices=POLICY_SEVERITY_CHOICES, unique=True
    )  # choices changed by escalation-fix
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["severity"]
        verbose_name_plural = "escalation policies"

    def __str__(self):
        return f"Escalation policy for {dict(POLICY_SEVERITY_CHOICES)[self.severity]}"  # escalation-fix


class EscalationLevel(models.Model):
    """One ordered step: after ``after_minutes`` without acknowledgement (or containment), tell ``target``;
    then again every ``repeat_every_minutes``, ``repeat_count`` more times, while still unacknowledged."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()
    trigger = models.CharField(
        max_length=15, choices=EscalationTrigger.choices, default=EscalationTrigger.UNACKNOWLEDGED
    )
    after_minutes = models.PositiveIntegerField()
    working_time = models.BooleanField(
        default=False, help_text="Count only working days (Monday to Friday) in the portal's time zone."
    )
    target = models.CharField(max_length=20, choices=EscalationTarget.choices)
    person = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    repeat_count = models.PositiveSmallIntegerField(default=0)
    repeat_every_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["policy", "trigger", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "trigger", "position"], name="one_level_per_position"),
        ]

    def __str__(self):
        return f"{self.policy} level {self.position}"


class IncidentEscalation(models.Model):
    """A level (or one of its repeats) that fired for an incident: unique, so it never fires twice."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="escalations")
    round = models.PositiveIntegerField()
    trigger = models.CharField(max_length=15, choices=EscalationTrigger.choices)
    position = models.PositiveSmallIntegerField()
    repeat = models.PositiveSmallIntegerField(default=0, help_text="0: the level itself; 1..n: repeats.")
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(default=timezone.now)
    target = models.CharField(max_length=20, choices=EscalationTarget.choices)
    recipients = models.JSONField(default=list, help_text="Who was told: [{id, name, email}].")
    # added by escalation-fix: a repeat due during downtime that was not sent (a later repeat was, once).
    skipped = models.BooleanField(default=False)
    # added by escalation-fix: the named person of a "person" level (a containment target fires once per
    # incident for the same target and minute, across rounds).
    person = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["fired_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "round", "trigger", "position", "repeat"], name="escalation_fires_once"
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} round {self.round} {self.trigger} level {self.position}.{self.repeat}"


class PostIncidentReview(models.Model):
    """The review after a SEV1 or SEV2: required before closing those."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="review")
    held_on = models.DateField()
    participants = models.TextField(help_text="Who took part.")
    summary = models.TextField(blank=True, help_text="What was found.")
    actions = models.TextField(help_text="What was agreed (follow-up actions are tracked below).")
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Post-incident review of {self.incident_id} on {self.held_on}"


class FollowUpAction(models.Model):
    """Something to do after an incident: owner, due date, status; overdue ones are reminded."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="followups")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="incident_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="followup_has_title")]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class PdfExport(PdfExportBase):
    """An incident, or the GDPR breach register, as a PDF (``dpms.pdf``), with the SHA-256 of the CSV written
    beside it (the incident's timeline, or the register's rows)."""

    class Kind(models.TextChoices):
        INCIDENT = "incident", _("Incident")
        BREACHES = "breaches", _("Breach register")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="pdf_exports"
    )

    class Meta(PdfExportBase.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="incident", incident__isnull=False)
                | Q(kind="breaches", incident__isnull=True),
                name="incident_pdf_names_its_incident",
            )
        ]
