"""Temporary access: tell holders and system owners 7 days and 1 day before a grant ends, and end it at expiry
(revoke at once, or open a revocation task for the owner, per system setting). Both are steps of the access
tick (``access.tasks.TICK_STEPS``): idempotent, shared by several workers, catching up after downtime.

Notice steps are counted in calendar days (UTC): a grant is in its 1-day step from the day before its expiry
day, and in its 7-day step from seven days before. So every grant reaching a step on a day is found by the
first tick of that day, and each person gets one digest that day listing all of them. Each grant records
when each step was told (``expiry_week_notice_at``, ``expiry_day_notice_at``), so a repeated or late tick
never tells twice; a grant already in its 1-day step gets only the 1-day notice.
"""

import datetime
import hashlib
from contextlib import nullcontext

from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from access.choices import ExpiryAction, TaskStatus
from access.models import Grant, RevocationTask
from access.services.grants import grant_revoke
from dpms import audit
from dpms.context import current_origin, origin
from dpms.notify import DigestItem, Text, digest, notify_each_once

EXPIRY_REASON = "Temporary access ended"
TASK_DUE_DAYS = 3
WEEK, DAY = "7-day", "1-day"


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _as_task():
    """Audit events of the tick say ``task`` even when a step is called from a shell or a test."""
    return nullcontext() if current_origin().source == "task" else origin("task")


def _link(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


NOTICES = {WEEK: gettext_lazy("7-day notice"), DAY: gettext_lazy("1-day notice")}


def _items(grant: Grant, step: str) -> list[DigestItem]:
    when = f"{grant.expires_at:%Y-%m-%d %H:%M} UTC"
    owner = grant.role.system.owner
    items = []
    if grant.user.is_active:
        text = format_lazy(
            gettext_lazy("{role} ends {when} ({notice}); ask again if you still need it"),
            role=str(grant.role),
            when=when,
            notice=NOTICES[step],
        )
        items.append(DigestItem(grant.user, text, _link("access:request_new")))
    if owner is not None and owner.is_active and owner.pk != grant.user_id:
        text = format_lazy(
            gettext_lazy("{person}: {role} ends {when} ({notice})"),
            person=str(grant.user),
            role=str(grant.role),
            when=when,
            notice=NOTICES[step],
        )
        items.append(DigestItem(owner, text))
    return items


@transaction.atomic
def notify_expiring_grants(*, now) -> int:
    """Send the due 7-day and 1-day notices as one digest per person; returns how many grants were told."""
    today = now.astimezone(datetime.UTC).date()
    day_until = _day_start(today + datetime.timedelta(days=2))  # expiry today or tomorrow
    week_until = _day_start(today + datetime.timedelta(days=8))
    due_day = Q(expires_at__lt=day_until, expiry_day_notice_at__isnull=True)
    due_week = Q(expires_at__gte=day_until, expires_at__lt=week_until, expiry_week_notice_at__isnull=True)
    # skip_locked: two workers ticking at once each take different grants, neither waits nor tells twice.
    grants = list(
        Grant.objects.active()
        .filter(due_day | due_week, expires_at__gt=now)
        .select_related("user", "role__system__owner")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("expires_at", "pk")
    )
    if not grants:
        return 0
    items: list[DigestItem] = []
    day_ids: list[int] = []
    week_ids: list[int] = []
    for grant in grants:
        step = DAY if grant.expires_at < day_until else WEEK
        (day_ids if step == DAY else week_ids).append(grant.pk)
        items.extend(_items(grant, step))
    Grant.objects.filter(pk__in=day_ids).update(expiry_day_notice_at=now)
    Grant.objects.filter(pk__in=week_ids).update(expiry_week_notice_at=now)
    # Grants created later in the day can still fall due the same day: key the digest by its content too.
    batch = hashlib.sha256(",".join(f"{pk}" for pk in sorted(day_ids + week_ids)).encode()).hexdigest()[:16]
    digest(
        items=items,
        subject=gettext_lazy("Temporary access ending soon"),
        intro=gettext_lazy("These grants of temporary access end soon:"),
        dedup_prefix=f"access-expiry:{today:%Y-%m-%d}:{batch}",
    )
    return len(grants)


def _tell_expired(grant: Grant, text: Text) -> None:
    """The holder and the system's owner, each once (the key ends in their id)."""
    notify_each_once(
        [grant.user, grant.role.system.owner],
        subject=format_lazy(gettext_lazy("Temporary access ended: {role}"), role=str(grant.role)),
        body=text,
        dedup_key=f"access-expired:{grant.pk}",
    )


def _open_task(grant: Grant, now) -> RevocationTask | None:
    if RevocationTask.objects.filter(grant=grant, status=TaskStatus.OPEN).exists():
        return None  # one open task per grant (also a database constraint)
    task = RevocationTask.objects.create(
        system=grant.role.system,
        grant=grant,
        assignee=grant.role.system.owner,
        reason=f"{EXPIRY_REASON} on {grant.expires_at:%Y-%m-%d %H:%M} UTC.",
        due_at=now + datetime.timedelta(days=TASK_DUE_DAYS),
        created_at=now,
    )
    audit.record(
        action="access.grant.expire",
        obj=grant,
        changes={"action": ExpiryAction.TASK, "expires_at": grant.expires_at, "revocation_task": task.pk},
    )
    return task


@transaction.atomic
def expire_grants(*, now) -> int:
    """End every active grant past its expiry: revoke it, or open one revocation task for the system owner.
    Returns how many grants were handled this run (a grant with its task already open is not counted)."""
    with _as_task():
        # skip_locked: workers share the due grants; one locked by a review close is left for the next tick.
        grants = list(
            Grant.objects.active()
            .filter(expires_at__lte=now)
            .exclude(revocation_tasks__status=TaskStatus.OPEN)
            .select_related("user", "role__system__owner")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("expires_at", "pk")
        )
        for grant in grants:
            if grant.role.system.expiry_action == ExpiryAction.TASK:
                _open_task(grant, now)
                _tell_expired(
                    grant,
                    format_lazy(
                        gettext_lazy("{person}'s {role} has ended; the system owner removes it."),
                        person=str(grant.user),
                        role=str(grant.role),
                    ),
                )
            else:
                grant_revoke(actor=None, grant=grant, reason=EXPIRY_REASON, now=now)
                _tell_expired(
                    grant,
                    format_lazy(
                        gettext_lazy("{person}'s {role} has ended and was revoked."),
                        person=str(grant.user),
                        role=str(grant.role),
                    ),
                )
        return len(grants)
