"""Grants: give and revoke access. Every other area (imports, requests, reviews, expiry) goes through here."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.choices import GrantSource
from access.models import Grant, Role
from dpms import audit
from dpms import services as people
from dpms.models import PortalRole


def _grant_snapshot(grant: Grant) -> dict:
    return {
        "user": grant.user.email,
        "system": grant.role.system.name,
        "role": grant.role.name,
        "privileged": grant.role.privileged,
        "justification": grant.justification,
        "expires_at": grant.expires_at,
        "source": grant.source,
    }


@dataclass(frozen=True)
class GrantRefusal:
    """Why a grant cannot be given: ``about`` is what is wrong with it (``user``, ``role`` or ``expires_at``,
    or ``""`` for the grant as a whole)."""

    about: str
    message: str


def new_grant_refusals(*, user, role: Role, expires_at, source: str, now) -> list[GrantRefusal]:
    """Every reason ``user`` cannot be given ``role`` (until ``expires_at``) at ``now``: the rules of a new
    grant, kept here only. ``grant_create`` and ``grants_create_many`` refuse on them, and an import's check
    reports them with their rows, so a file is refused when it is checked, not only when it is applied. No
    query (``role.system`` is expected loaded)."""
    refusals = []
    if not user.is_active:
        refusals.append(GrantRefusal("user", _("Access cannot be granted to a deactivated person.")))
    if role.system.is_portal and source != GrantSource.PORTAL:
        # The portal's grants mirror its role groups; one made here would be revoked by the next sync.
        refusals.append(
            GrantRefusal("role", _("Portal roles are given in the administration (People → portal roles)."))
        )
    if expires_at is not None and expires_at <= now:
        refusals.append(GrantRefusal("expires_at", _("The end of temporary access must be in the future.")))
    return refusals


class GrantsRefused(ValidationError):
    """``grants_create_many``'s refusal of one grant: ``index`` is its place in the list it was given (None
    when it cannot be told), ``about`` what is wrong with it (as in ``GrantRefusal``)."""

    def __init__(self, message: str, *, index: int | None, about: str = ""):
        super().__init__(message)
        self.index, self.about = index, about


def _check_new_grant(*, user, role: Role, expires_at, source: str, now) -> None:
    refusals = new_grant_refusals(user=user, role=role, expires_at=expires_at, source=source, now=now)
    if refusals:
        raise ValidationError({refusal.about: refusal.message for refusal in refusals})


def _created_event(actor, grant: Grant) -> dict:
    return {
        "action": "access.grant.create",
        "actor": actor,
        "obj": grant,
        "changes": {"created": _grant_snapshot(grant)},
    }


@transaction.atomic
def grant_create(
    *,
    actor,
    user,
    role: Role,
    justification: str = "",
    expires_at=None,
    source: str = GrantSource.MANUAL,
    granted_at=None,
) -> Grant:
    """Give ``user`` the ``role``; refused when they already hold it (one active grant per user and role)."""
    _check_new_grant(user=user, role=role, expires_at=expires_at, source=source, now=timezone.now())
    try:
        with transaction.atomic():
            grant = Grant.objects.create(
                user=user,
                role=role,
                justification=justification,
                expires_at=expires_at,
                source=source,
                granted_by=actor if getattr(actor, "is_authenticated", False) else None,
                granted_at=granted_at or timezone.now(),
            )
    except IntegrityError as error:
        raise ValidationError(f"{user} already holds {role}.") from error
    audit.record(**_created_event(actor, grant))
    return grant


BULK_BATCH = 1000


@transaction.atomic
def grants_create_many(
    *,
    actor,
    grants: list[dict],
    events: list[dict] | None = None,
    progress: Callable[[int], None] | None = None,
    now=None,
) -> list[Grant]:
    """``grant_create`` for many grants at once (an import): the same checks and the same audit event per
    grant, the rows written in batches (``bulk_create``), the events with ``audit.record_many``. All or
    nothing: one refused grant, or one the person holds already, refuses them all with ``GrantsRefused``,
    which says which one and why. Each dict has ``grant_create``'s arguments but ``actor``; ``now`` (default:
    the current time) is the moment the rules are checked at and the grants given at unless they say.

    The events are recorded after the last insert, so the audit chain head is locked only from there to the
    commit. A caller with more to write in the same transaction passes a list as ``events``: the events are
    appended to it instead of recorded, and the caller records them (``audit.record_many``) as its last
    write, before it commits. ``progress(created_so_far)`` is called after each batch."""
    now = now or timezone.now()
    by = actor if getattr(actor, "is_authenticated", False) else None
    rows = []
    for index, spec in enumerate(grants):
        source = spec.get("source", GrantSource.MANUAL)
        refusals = new_grant_refusals(
            user=spec["user"], role=spec["role"], expires_at=spec.get("expires_at"), source=source, now=now
        )
        if refusals:
            raise GrantsRefused(refusals[0].message, index=index, about=refusals[0].about)
        rows.append(
            Grant(
                user=spec["user"],
                role=spec["role"],
                justification=spec.get("justification", ""),
                expires_at=spec.get("expires_at"),
                source=source,
                granted_by=by,
                granted_at=spec.get("granted_at") or now,
            )
        )
    created: list[Grant] = []
    for start in range(0, len(rows), BULK_BATCH):
        try:
            with transaction.atomic():
                created += Grant.objects.bulk_create(rows[start : start + BULK_BATCH])
        except IntegrityError as error:
            raise _held_meanwhile(rows, start) from error
        if progress is not None:
            progress(len(created))
    entries = [_created_event(actor, grant) for grant in created]
    if events is None:
        audit.record_many(entries, batch_size=BULK_BATCH)
    else:
        events.extend(entries)
    return created


def _held_meanwhile(rows: list[Grant], start: int) -> GrantsRefused:
    """The refusal of a batch that broke the one-active-grant rule: a grant given meanwhile (by hand, by a
    request) to one of its people. Named when it can be found, the first of the batch's grants now held."""
    batch = rows[start : start + BULK_BATCH]
    held = set(
        Grant.objects.active()
        .filter(user_id__in={row.user_id for row in batch}, role_id__in={row.role_id for row in batch})
        .values_list("user_id", "role_id")
    )
    for index, row in enumerate(batch, start):
        if (row.user_id, row.role_id) in held:
            return GrantsRefused(
                _("%(person)s already holds %(role)s.") % {"person": row.user, "role": row.role},
                index=index,
                about="role",
            )
    return GrantsRefused(_("Someone already holds one of these roles; check the file again."), index=None)


def revoked_event(actor, grant: Grant) -> dict:
    """The audit event of a revocation (``audit.record``'s arguments), for ``grant_revoke`` and revocations
    made in bulk (a leaver's grants on systems that revoke at once)."""
    return {
        "action": "access.grant.revoke",
        "actor": actor,
        "obj": grant,
        "changes": {
            "revoked_at": [None, grant.revoked_at],
            "reason": grant.revoke_reason,
            **_grant_snapshot(grant),
        },
    }


@transaction.atomic
def grant_revoke(*, actor, grant: Grant, reason: str, now=None) -> Grant:
    """Revoke an active grant, keeping when, by whom and why. Revoking a revoked grant changes nothing."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Say why the access is revoked.")})
    # Lock the row: a review close and an expiry tick must not both revoke it.
    grant = Grant.objects.select_for_update().select_related("user", "role__system").get(pk=grant.pk)
    if grant.revoked_at is not None:
        return grant
    grant.revoked_at = now or timezone.now()
    grant.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    grant.revoke_reason = reason.strip()
    grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit.record(**revoked_event(actor, grant))
    if grant.role.system.is_portal:  # the portal's own roles: the group membership goes too
        _portal_role_removed(grant=grant, actor=actor)
    return grant


def _portal_role_removed(*, grant: Grant, actor) -> None:
    """Inside ``grant_revoke``'s transaction: revoking a portal grant takes the portal role away, through
    ``dpms.services.user_set_roles`` so people's own audit trail shows it too."""
    role = grant.role
    if role.name not in PortalRole.values:
        return
    held = set(grant.user.groups.filter(name__in=PortalRole.values).values_list("name", flat=True))
    if role.name not in held:
        return  # the membership went first (sync_portal_roles revoking after a role change)
    try:
        people.user_set_roles(actor=actor, user=grant.user, roles=held - {role.name})
    except PermissionError as error:  # an admin revoking their own admin grant: refused, nothing saved
        raise ValidationError(str(error)) from error
