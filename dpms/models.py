"""Foundation models every app shares: people and teams, the audit trail, notifications and the outbox."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class PortalRole(models.TextChoices):
    """Portal roles kept as Django groups. Staff is everyone; manager and system owner are derived."""

    SECURITY_OFFICER = "security officer", gettext_lazy("Security officer")
    AUDITOR = "auditor", gettext_lazy("Auditor")
    ADMIN = "admin", gettext_lazy("Admin")


class Team(models.Model):
    """A team of people, usually one manager's line; used for filters and reporting."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager["User"]):
    """Creates users with the email as login; passwords go through the password policy elsewhere."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_superuser"] = True
        user = self._create_user(email, password, **extra)
        admin_group, _ = Group.objects.get_or_create(name=PortalRole.ADMIN)
        user.groups.add(admin_group)
        return user

    def with_roles(self):
        """Annotate the portal-role flags so a list of people costs no query per person."""
        memberships = Group.objects.filter(user=OuterRef("pk"))
        return self.get_queryset().annotate(
            _is_security_officer=Exists(memberships.filter(name=PortalRole.SECURITY_OFFICER)),
            _is_auditor=Exists(memberships.filter(name=PortalRole.AUDITOR)),
            _is_admin=Exists(memberships.filter(name=PortalRole.ADMIN)),
            _is_manager=Exists(User.objects.filter(manager=OuterRef("pk"), is_active=True)),
        )

    def people(self):
        """Everyone but guardian's internal anonymous user."""
        return self.get_queryset().exclude(email=settings.ANONYMOUS_USER_NAME)

    def holding(self, role):
        """Active people in a portal role (a ``PortalRole`` value), oldest account first."""
        return self.people().filter(is_active=True, groups__name=role).order_by("pk")

    def security_officers(self):
        """The active security officers, oldest account first: who "the security officers" means."""
        return self.holding(PortalRole.SECURITY_OFFICER)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The email is the login; manager and team give the reporting line."""

    email = models.EmailField(gettext_lazy("email address"), unique=True)
    full_name = models.CharField(gettext_lazy("full name"), max_length=200)
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=gettext_lazy("manager"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=gettext_lazy("team"),
    )
    job_title = models.CharField(gettext_lazy("job title"), max_length=120, blank=True)
    time_zone = models.CharField(
        gettext_lazy("time zone"),
        max_length=64,
        blank=True,
        help_text=gettext_lazy("Empty: the installation's TIME_ZONE."),
    )
    # The person's own language for pages, e-mails and notifications (dpms.middleware.LanguageMiddleware,
    # dpms.notify). Empty: their browser's Accept-Language on pages, LANGUAGE_CODE in e-mails.
    language = models.CharField(
        gettext_lazy("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=gettext_lazy("Empty: the browser's language, else the installation's."),
    )
    is_active = models.BooleanField(gettext_lazy("active"), default=True)
    date_joined = models.DateTimeField(gettext_lazy("joined"), default=timezone.now)
    deactivated_at = models.DateTimeField(gettext_lazy("deactivated"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = gettext_lazy("person")
        verbose_name_plural = gettext_lazy("people")
        # Lists sorted by person (the grants list of 100,000 rows, the people lists) walk this index and
        # stop after a page, instead of joining and sorting every row.
        indexes = [models.Index(fields=["full_name", "email"], name="user_by_name")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(manager=models.F("pk")), name="user_not_own_manager"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if self.time_zone:
            import zoneinfo

            try:
                zoneinfo.ZoneInfo(self.time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValidationError({"time_zone": _("Not a time zone name, e.g. Europe/Berlin.")}) from None
        if self.manager_id and self.pk and self.manager_id == self.pk:
            raise ValidationError({"manager": _("A person cannot be their own manager.")})
        # Walk up the manager line so no cycle is saved.
        seen, boss = {self.pk}, self.manager
        while boss is not None:
            if boss.pk in seen:
                raise ValidationError({"manager": _("This manager line would form a loop.")})
            seen.add(boss.pk)
            boss = boss.manager

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # --- Portal roles. Annotated by UserManager.with_roles(), else read from the groups once. ----------
    _role_cache: set[str] | None = None  # the names of the person's groups, once read

    def _role_names(self) -> set[str]:
        cache = self._role_cache
        if cache is None:
            cache = self._role_cache = set(self.groups.values_list("name", flat=True))
        return cache

    def _has_role(self, role):
        annotated = getattr(self, f"_is_{role.name.lower()}", None)
        if annotated is not None:
            return annotated
        return role.value in self._role_names()

    @property
    def is_security_officer(self):
        return self.is_active and self._has_role(PortalRole.SECURITY_OFFICER)

    @property
    def is_auditor(self):
        return self.is_active and self._has_role(PortalRole.AUDITOR)

    @property
    def is_admin(self):
        return self.is_active and (self.is_superuser or self._has_role(PortalRole.ADMIN))

    @property
    def is_manager(self):
        """Derived: a person with at least one active report."""
        annotated = getattr(self, "_is_manager", None)
        if annotated is not None:
            return annotated
        return self.reports.filter(is_active=True).exists()

    @property
    def is_staff(self):
        """Django admin access: admins only. (Every active person is portal staff.)"""
        return self.is_admin

    @property
    def can_read_audit(self):
        return self.is_auditor or self.is_security_officer or self.is_admin

    @property
    def role_labels(self):
        labels = [str(role.label) for role in PortalRole if self._has_role(role)]
        return labels or [_("Staff")]


def get_anonymous_user_instance(user_model):
    """guardian's anonymous user: inactive, no usable password, never granted anything."""
    user = user_model(email=settings.ANONYMOUS_USER_NAME, full_name="Anonymous", is_active=False)
    user.set_unusable_password()
    return user


# --- Audit trail --------------------------------------------------------------------------------------


class AuditSource(models.TextChoices):
    WEB = "web", gettext_lazy("Web")
    API = "api", gettext_lazy("API")
    TASK = "task", gettext_lazy("Background task")
    CLI = "cli", gettext_lazy("Command line")
    SCIM = "scim", gettext_lazy("SCIM provisioning")
    SSO = "sso", gettext_lazy("Single sign-on")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailImmutable("Audit events are append-only: update refused.")

    def delete(self):
        raise AuditTrailImmutable("Audit events are append-only: delete refused.")


class AuditTrailImmutable(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEvent(models.Model):
    """One entry in the tamper-evident audit trail. Written only by ``dpms.audit.record``.

    ``hash`` is SHA-256 over the canonical serialisation of the event and ``prev_hash``, so altering,
    removing or inserting a row breaks the chain that ``manage.py verify_audit`` walks.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    # DO_NOTHING without a database constraint: deleting a person must not rewrite the events they caused
    # (SET_NULL would UPDATE the row, which breaks its hash and which PostgreSQL's trigger refuses).
    # The id then points nowhere and ``actor_label`` keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    # Found by type and id through the index in Meta (its first column serves a filter by type alone).
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=AuditSource.choices, default=AuditSource.WEB)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        # A constraint, not ``unique=True``: on PostgreSQL that would add a second, pattern-matching index on
        # the hash, which nothing searches; every index is written again by each of an import's events.
        constraints = [models.UniqueConstraint(fields=["hash"], name="audit_event_hash_unique")]

    def __str__(self):
        return f"#{self.sequence} {self.action} {self.object_label}".strip()

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailImmutable("Audit events are append-only: update refused.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailImmutable("Audit events are append-only: delete refused.")


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent appends form one chain rather than a fork."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"audit head #{self.sequence}"


class AuditVerificationState(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Waiting for a worker")
    RUNNING = "running", gettext_lazy("Verifying")
    OK = "ok", gettext_lazy("Whole")
    BROKEN = "broken", gettext_lazy("Broken")
    FAILED = "failed", gettext_lazy("Could not finish")


class AuditVerification(models.Model):
    """One verification of the audit trail asked for from the portal (``dpms.integrity``): the hash chain
    walked by a Celery task and compared with the signed checkpoints kept outside the database.

    ``checked`` of ``total`` (the chain head when the walk began) is the progress, ``progress_at`` its
    heartbeat. The result: the last event verified, the latest checkpoint the trail matched, and the first
    bad event with the reason. ``in_progress`` is True while queued or running and NULL after: unique, so
    one run at a time (NULLs never collide)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=8, choices=AuditVerificationState.choices, default=AuditVerificationState.QUEUED
    )
    in_progress = models.BooleanField(null=True, default=True, unique=True)
    progress_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveBigIntegerField(default=0)
    checked = models.PositiveBigIntegerField(default=0)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    checkpoints_read = models.PositiveIntegerField(default=0)
    checkpoint_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    checkpoint_at = models.DateTimeField(null=True, blank=True)
    checkpoints_note = models.CharField(max_length=300, blank=True)
    bad_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    bad_action = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"audit verification of {self.requested_at:%Y-%m-%d %H:%M} ({self.get_state_display()})"

    # A run not heard of for this long lost its task (its heartbeat comes every few seconds while it walks):
    # the page offers to ask again, and the next request ends it.
    STALLED_AFTER = timedelta(minutes=10)

    @property
    def running(self) -> bool:
        """Queued or running: the page shows the progress and polls it."""
        return bool(self.in_progress)

    @property
    def stalled(self) -> bool:
        return self.running and self.progress_at < timezone.now() - self.STALLED_AFTER

    @property
    def percent(self) -> int:
        return min(100, self.checked * 100 // self.total) if self.total else 0


# --- Notifications and outbox -------------------------------------------------------------------------


# A link an email spells out, "(https://…)" after an item or ": https://…" at the end of a line.
_EMAIL_LINK = re.compile(r"\s*\(https?://[^\s)]+\)|:?\s*https?://\S+")
# The same link at the end of a line, read back for the notification's page.
_LINE_LINK = re.compile(r"(?:\s*\((?P<url>https?://[^\s)]+)\)|:?\s*(?P<bare>https?://\S+))$")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message for one person, shown in the header count and on the dashboard.

    ``topic`` names what it asks of the person (``access.reviewcampaign:12``): when that is settled,
    ``dpms.notify.withdraw`` marks it done (``done_at``), and read, so it no longer counts as owed.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    dedup_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    topic = models.CharField(max_length=100, blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # withdraw(): the open notifications of one topic, found without reading the others.
            models.Index(fields=["topic"], name="notification_open_topic", condition=models.Q(done_at=None)),
        ]

    def __str__(self):
        return self.subject

    @property
    def is_read(self):
        return self.read_at is not None

    @property
    def is_done(self):
        return self.done_at is not None

    def lines(self) -> list[tuple[str, str, bool]]:
        """The body as (text, path, is_item) lines for the notification's own page: a digest's items ("- …")
        each with the link the email spells out, as a path into the portal wherever it runs now (SITE_URL may
        have moved since); a line without a link has an empty path."""
        found = []
        for line in self.body.splitlines():
            line = line.strip()
            match = _LINE_LINK.search(line)
            path = ""
            if match:
                parts = urlsplit(match.group("url") or match.group("bare"))
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                line = line[: match.start()].rstrip()
            if line:
                text = line.removeprefix("- ").strip()
                inside = path.startswith("/") and url_has_allowed_host_and_scheme(path, allowed_hosts=None)
                found.append((text, path if inside else "", line.startswith("- ")))  # never "//elsewhere"
        return found

    PREVIEW_CHARS = 160

    @property
    def preview(self) -> str:
        """The body in a line or two for the list: without the absolute links the email carries (the
        notification's own link is its title) and the list's dashes, cut at ``PREVIEW_CHARS``."""
        text = _EMAIL_LINK.sub("", self.body)
        lines = [line.strip().removeprefix("- ").strip() for line in text.splitlines()]
        short = " · ".join(line for line in lines if line)
        return short if len(short) <= self.PREVIEW_CHARS else short[: self.PREVIEW_CHARS - 1].rstrip() + "…"


class NotificationPreference(models.Model):
    """One person's choice for one kind of notification (``dpms.notify.KINDS``): by email and in the app,
    or in the app only. No row: by email too. Security notices are always emailed, whatever is kept here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self):
        return f"{self.user}: {self.kind} {'by email' if self.email else 'in the app only'}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    SENDING = "sending", gettext_lazy("Sending")
    SENT = "sent", gettext_lazy("Sent")
    FAILED = "failed", gettext_lazy("Failed")


class OutboxEmail(models.Model):
    """An email written in the business transaction and sent later by a task, exactly once.

    ``dedup_key`` is unique: writing the same message twice (a repeated tick) is a no-op.
    """

    dedup_key = models.CharField(max_length=200, unique=True)
    to = models.EmailField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=250)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.status})"


class TickRun(models.Model):
    """The last run of one periodic task that beat sends (an app's tick, the outbox sweep), by task name:
    written by the worker as each run ends (``dpms.health.record_run``), read by /healthz and the officers'
    dashboard. ``watched_since`` is when the row was first written (the migration that added the tick), so a
    tick that never ran is stale 3 periods after it was deployed, not before."""

    name = models.CharField(max_length=200, primary_key=True)
    watched_since = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_state = models.CharField(max_length=20, blank=True)

    def __str__(self):
        return f"{self.name}: last run {self.last_run_at} ({self.last_state or 'never'})"


# --- The REST API's personal access tokens and request history --------------------------------------------
class ApiToken(models.Model):
    """A personal access token for the REST API, acting as its owner with the owner's rights (read-only
    tokens refuse writes). The token text (``dpms_<prefix>_<secret>``) is shown once, at creation; only the
    prefix (the lookup key) and the SHA-256 of the secret are stored. It stops working when it expires, is
    revoked, or its owner is deactivated."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    read_only = models.BooleanField(default=True)
    # Client networks the token may be used from (CIDR, e.g. "10.1.0.0/16"); empty: anywhere.
    allowed_networks = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("API token")

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    def is_active_at(self, moment) -> bool:
        return self.revoked_at is None and self.expires_at > moment


class ApiRequest(models.Model):
    """One write made through the API with a token: what was asked and answered, from where. The audit events
    it caused carry its ``request_id`` and lie between ``after_sequence`` and ``upto_sequence`` (the chain's
    head before and after it), so they are found by a short range of the trail, not a search of all of it."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="requests")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64)
    after_sequence = models.PositiveBigIntegerField(default=0)
    upto_sequence = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["token", "-at"])]

    def __str__(self):
        return f"{self.method} {self.path} → {self.status}"


class ApiIdempotencyKey(models.Model):
    """A POST that creates, sent with an ``Idempotency-Key`` header: the first answer is kept, so a client
    that retries (a timeout, a lost answer) gets the same answer again and nothing is created twice. Keys are
    per person; the same key with a different request is refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body
    status = models.PositiveSmallIntegerField(null=True, blank=True)  # None while the first call runs
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_once")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.key} ({self.status or 'running'})"


# --- Outgoing webhooks ------------------------------------------------------------------------------------
class WebhookEvent(models.TextChoices):
    """What a webhook may be told about (``dpms.webhooks.emit``, called by the services that cause it)."""

    INCIDENT_REPORTED = "incident.reported", gettext_lazy("An incident was reported")
    INCIDENT_SEVERITY_RAISED = "incident.severity_raised", gettext_lazy("An incident's severity was raised")
    BREACH_CLOCK_STARTED = (
        "incident.breach_clock_started",
        gettext_lazy("A personal-data breach clock started"),
    )
    BREACH_DEADLINE_NEAR = (
        "incident.breach_deadline_near",
        gettext_lazy("A breach notification deadline is near"),
    )
    CAMPAIGN_LAUNCHED = "access.campaign_launched", gettext_lazy("An access review campaign was launched")
    CAMPAIGN_CLOSED = "access.campaign_closed", gettext_lazy("An access review campaign was closed")


class Webhook(models.Model):
    """An address told about chosen events, by a POST signed with HMAC-SHA-256 of the timestamp and body
    under its secret. Configured by security officers; turned off by itself after
    ``WEBHOOK_DISABLE_AFTER_FAILURES`` deliveries in a row failed for good."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)  # shared with the receiver to check the signature
    events = models.JSONField(default=list)  # WebhookEvent values
    enabled = models.BooleanField(default=True)
    failures_in_a_row = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    SENDING = "sending", gettext_lazy("Sending")
    DELIVERED = "delivered", gettext_lazy("Delivered")
    FAILED = "failed", gettext_lazy("Failed")


class WebhookDelivery(models.Model):
    """One event for one webhook, written in the transaction of the change that caused it and delivered by a
    task: claimed before each attempt (so it is sent once even if the task runs twice), retried with backoff
    up to ``WEBHOOK_MAX_ATTEMPTS``, each attempt's answer kept for the delivery log."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50, choices=WebhookEvent.choices)
    event_id = models.CharField(max_length=64)  # the same for every webhook told about this event
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["webhook", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event_id"], name="webhook_delivery_once_per_event")
        ]

    def __str__(self):
        return f"{self.event} → {self.webhook} ({self.status})"
