"""Reads of the foundation: access helpers and querysets for pages and API alike."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import BigIntegerField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission

from dpms.models import AuditEvent, AuditVerification, Notification, OutboxEmail, OutboxStatus

# A claim is abandoned only once the task that made it must have ended (its hard time limit, with margin),
# so a slow send is never taken over and sent twice.
CLAIM_STALE_AFTER = timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)  # 10 minutes by default


def audit_events_for_user(user):
    """The audit trail, for the people who may read it (auditors, security officers, admins); else 403."""
    if not user.can_read_audit:
        raise PermissionDenied(_("The audit trail is for auditors and security officers."))
    # No select_related("actor"): pages and exports show the kept ``actor_label``, which outlives the user.
    return AuditEvent.objects.all()


def may_see_system_health(user) -> bool:
    """The portal's own health (ticks, outbox, broker) is for the people who run it."""
    return user.is_security_officer or user.is_admin


def filter_audit_events(
    events, *, actor="", action="", object_type="", object_id="", object_text="", date_from=None, date_to=None
):
    """Apply the audit trail page's filters; dates are inclusive calendar days in the current timezone."""
    if actor:
        events = events.filter(Q(actor_label__icontains=actor) | Q(actor__email__iexact=actor))
    if action:
        events = events.filter(action__startswith=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if object_text:
        events = events.filter(object_label__icontains=object_text)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(occurred_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        day_after = date_to + timedelta(days=1)
        events = events.filter(occurred_at__lt=datetime.combine(day_after, time.min, tzinfo=tz))
    return events


@dataclass
class KeysetPage:
    """A page of the audit trail, newest first, found by sequence (no count of the whole trail): ``newer``
    and ``older`` are the sequences the links to the pages either side start from (None: no such page)."""

    object_list: list
    newer: int | None
    older: int | None


MAX_SEQUENCE = 2**63 - 1


def _sequence(value) -> int | None:
    """A sequence from the query string, or None when it is missing or not one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_SEQUENCE else None


def audit_page(events, *, before=None, after=None, size: int = 50) -> KeysetPage:
    """The ``size`` events before sequence ``before`` (older), or after ``after`` (newer), or the newest:
    one query however long the trail, since the page is found through the sequence's index.

    Coming from a link, the event the link started from lies on the other side, so that side has a page;
    an empty page (the trail shrank under a filter) links back to where it came from."""
    before, after = _sequence(before), _sequence(after)
    if after is not None:
        rows = list(events.filter(sequence__gt=after).order_by("sequence")[: size + 1])
        newer = rows[size - 1].sequence if len(rows) > size else None
        rows = rows[:size][::-1]
        return KeysetPage(rows, newer=newer, older=rows[-1].sequence if rows else after + 1)
    if before is not None:
        events = events.filter(sequence__lt=before)
    rows = list(events.order_by("-sequence")[: size + 1])
    older = rows[size - 1].sequence if len(rows) > size else None
    rows = rows[:size]
    if before is None:
        return KeysetPage(rows, newer=None, older=older)
    return KeysetPage(rows, newer=rows[0].sequence if rows else before - 1, older=older)


KNOWN_ACTIONS_LIMIT = 200
KNOWN_TYPES_LIMIT = 200


@dataclass(frozen=True)
class AuditNames:
    """What the trail's filters offer: the action names (suggested in the action box) and the object
    types (the type select, by readable name)."""

    actions: list[str]
    object_types: list[str]


def known_audit_names() -> AuditNames:
    """The action names and the object types in the trail (the first 200 of each, in order), in one query.

    Skip scans of the action index and of the (type, id) index: each step asks the index for the next
    name after the last one, so the cost follows the number of different names (a hundred or so), not
    the length of the trail (a plain DISTINCT reads every event: 35 ms at 250,000 events, and growing)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = f"""
        WITH RECURSIVE names(action) AS (
            SELECT MIN(action) FROM {table}
            UNION ALL
            SELECT (SELECT MIN(action) FROM {table} WHERE action > names.action)
            FROM names WHERE names.action IS NOT NULL
        ), kinds(object_type) AS (
            SELECT MIN(object_type) FROM {table}
            UNION ALL
            SELECT (SELECT MIN(object_type) FROM {table} WHERE object_type > kinds.object_type)
            FROM kinds WHERE kinds.object_type IS NOT NULL
        )
        SELECT * FROM (SELECT 'a', action FROM names WHERE action IS NOT NULL LIMIT %s) AS found_actions
        UNION ALL
        SELECT * FROM (
            SELECT 't', object_type FROM kinds WHERE object_type IS NOT NULL AND object_type != '' LIMIT %s
        ) AS found_types
    """  # noqa: S608 - the table name is the model's own, quoted; the limits are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [KNOWN_ACTIONS_LIMIT, KNOWN_TYPES_LIMIT])
        rows = cursor.fetchall()
    return AuditNames(
        actions=[name for kind, name in rows if kind == "a"],
        object_types=[name for kind, name in rows if kind == "t"],
    )


# --- Verifying the audit trail (dpms.integrity) -----------------------------------------------------------
def may_verify_audit(user) -> bool:
    """Whoever reads the audit trail may have it verified: auditors, security officers, admins."""
    return bool(user is not None and user.is_authenticated and user.can_read_audit)


def latest_audit_verification():
    """The latest verification asked for from the portal (None before any), shown on the trail's page."""
    return AuditVerification.objects.select_related("requested_by").first()


def get_audit_verification_for(user, pk):
    """One verification run, for those who may verify the trail: anyone else gets a 403."""
    if not may_verify_audit(user):
        raise PermissionDenied(_("The audit trail is for auditors and security officers."))
    return get_object_or_404(AuditVerification.objects.select_related("requested_by"), pk=pk)


def notifications_for_user(user):
    return Notification.objects.filter(recipient=user)


def get_notification_for_user(user, pk):
    """A notification is only ever its recipient's: anyone else gets a 404."""
    return get_object_or_404(Notification, pk=pk, recipient=user)


# --- The email outbox ---------------------------------------------------------------------------------------
def stale_claims(now):
    """Rows claimed by a worker that has not finished with them in ``CLAIM_STALE_AFTER``."""
    return OutboxEmail.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER)


def claimable(now) -> Q:
    """Rows a send task may claim: pending and due, or with a stale claim; either with attempts left."""
    due = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
    stale = Q(status=OutboxStatus.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER)
    return (due | stale) & Q(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)


def pending_for_sweep(now):
    """Outbox rows to (re-)enqueue, longest overdue first."""
    return OutboxEmail.objects.filter(claimable(now)).order_by("next_attempt_at", "pk")


# --- Explicit per-object shares (django-guardian) -------------------------------------------------------
def shared_object_ids(user, model: type[Model], codenames: list[str]) -> QuerySet:
    """The ids of the ``model`` rows shared with ``user`` under one of ``codenames``, as a subquery
    (``Model.objects.filter(pk__in=shared_object_ids(...))``): a list filtered in the database, never a
    permission check per row."""
    return (
        UserObjectPermission.objects.filter(
            user=user,
            content_type=ContentType.objects.get_for_model(model),
            permission__codename__in=codenames,
        )
        .annotate(shared_id=Cast("object_pk", BigIntegerField()))
        .values("shared_id")
    )


def object_shares(obj: Model, codenames: list[str]) -> QuerySet:
    """guardian's rows sharing ``obj`` under one of ``codenames``, with their person and permission (one
    query); ``.values("user_id")`` of it is a subquery of the people it is shared with."""
    return UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_pk=str(obj.pk),
        permission__codename__in=codenames,
    ).select_related("user", "permission")


# --- Personal access tokens ---------------------------------------------------------------------------
def api_token_for_text(text: str):
    """The token a ``dpms_<prefix>_<secret>`` text names, with its owner, or None: unknown prefix or wrong
    secret alike (compared in constant time). Whether it is still usable is the caller's question."""
    from dpms import tokens
    from dpms.models import ApiToken

    parts = tokens.split_token(text, tokens.API_TOKEN_START)
    if parts is None:
        return None
    prefix, secret = parts
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not tokens.secret_matches(token.secret_hash, secret):
        return None
    return token


def may_manage_all_api_tokens(user) -> bool:
    """Security officers see and revoke everyone's tokens."""
    return user.is_security_officer


def api_tokens_for_user(user):
    """The tokens a person may see: their own; a security officer's: everyone's. Owner included."""
    from dpms.models import ApiToken

    tokens = ApiToken.objects.select_related("user")
    return tokens if may_manage_all_api_tokens(user) else tokens.filter(user=user)


def api_token_for_user(user, pk):
    """A token the person may see and revoke, else 404 (someone else's token is not shown to exist)."""
    return get_object_or_404(api_tokens_for_user(user), pk=pk)


def api_tokens_for_audit(user):
    """The tokens whose request history a person may read: their own; an auditor's or security officer's:
    everyone's."""
    from dpms.models import ApiToken

    tokens = ApiToken.objects.select_related("user")
    return tokens if (may_manage_all_api_tokens(user) or user.is_auditor) else tokens.filter(user=user)


def api_requests_for_token(user, token):
    """A token's request history, newest first (``token`` from ``api_tokens_for_audit``)."""
    from dpms.models import ApiRequest

    return ApiRequest.objects.filter(token=token).order_by("-at", "-id")


def audit_events_for_requests(requests) -> dict[str, list]:
    """The audit events each API request caused, by request id, in order: one query for a page of requests,
    each a short range of the trail's sequence (``ApiRequest.after_sequence``/``upto_sequence``)."""
    ranges = Q()
    for row in requests:
        if row.upto_sequence > row.after_sequence:
            ranges |= Q(
                sequence__gt=row.after_sequence, sequence__lte=row.upto_sequence, request_id=row.request_id
            )
    grouped: dict[str, list] = {}
    if ranges:
        for event in AuditEvent.objects.filter(ranges).order_by("sequence"):
            grouped.setdefault(event.request_id, []).append(event)
    return grouped


def audit_head_sequence() -> int:
    """The sequence of the newest audit event (read, not locked)."""
    from dpms.models import AuditChainHead

    return AuditChainHead.objects.filter(pk=1).values_list("sequence", flat=True).first() or 0


# --- The directory, for the API -----------------------------------------------------------------------------
def people_directory():
    """Everyone, with their portal roles annotated (no query per person): read by everyone signed in."""
    from dpms.models import User

    return User.objects.with_roles().select_related(None)


def teams_directory():
    from dpms.models import Team

    return Team.objects.all()


# --- Outgoing webhooks ------------------------------------------------------------------------------------
def may_manage_webhooks(user) -> bool:
    """Security officers configure the webhooks and read their delivery logs."""
    return user.is_security_officer


def webhooks_for_user(user):
    from dpms.models import Webhook

    if not may_manage_webhooks(user):
        raise PermissionDenied(_("Webhooks are configured by security officers."))
    return Webhook.objects.all()


def webhook_deliveries(hook):
    """A webhook's delivery log, newest first."""
    return hook.deliveries.order_by("-created_at", "-id")


def may_manage_people(user) -> bool:
    """Admins invite people, change their details, roles and teams, and deactivate them (the API's writes;
    the pages' are the administration's)."""
    return user.is_admin
