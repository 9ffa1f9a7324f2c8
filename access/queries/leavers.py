"""Reads for joiners, movers and leavers: the officers' dashboard figures."""

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy

from access.choices import TaskStatus
from access.models import RevocationTask
from dpms.models import AuditEvent, AuditSource

MOVEMENT_DAYS = 30
# The people services' audit events that mark each movement (dpms.services: user_invite, user_update on a
# manager or team change, user_deactivate), whatever the source: admin, API, SCIM, SSO, command line.
MOVEMENTS = {
    "people.user.invite": "joined",
    "people.user.move": "moved",
    "people.user.deactivate": "left",
}
# How a movement reads on the panel after the person's name ("Sam Staff joined").
MOVEMENT_WORDS = {
    "joined": gettext_lazy("joined"),
    "moved": gettext_lazy("moved"),
    "left": gettext_lazy("left"),
}


def may_see_movements(user) -> bool:
    """The security officers act on leavers' open access: the panel is theirs."""
    return bool(user.is_security_officer)


def movement_counts(*, since: datetime.datetime) -> dict[str, int]:
    """How many joined, moved and left since ``since`` (one query over the trail's action and time
    indexes)."""
    return AuditEvent.objects.filter(occurred_at__gte=since, action__in=MOVEMENTS).aggregate(
        **{word: Count("pk", filter=Q(action=action)) for action, word in MOVEMENTS.items()}
    )


def latest_movements(*, since: datetime.datetime, limit: int) -> list[dict]:
    """The latest ``limit`` movements since ``since``: who, what, when, from where (one query)."""
    rows = (
        AuditEvent.objects.filter(occurred_at__gte=since, action__in=MOVEMENTS)
        .order_by("-sequence")
        .values("object_id", "object_label", "action", "occurred_at", "source")[:limit]
    )
    sources = dict(AuditSource.choices)
    return [
        row
        | {
            "movement": MOVEMENT_WORDS[MOVEMENTS[row["action"]]],
            "source_label": sources.get(row["source"], row["source"]),
        }
        for row in rows
    ]


def open_leaver_tasks(*, now: datetime.datetime) -> dict[str, int]:
    """Open leaver revocation tasks: how many, how many overdue, for how many leavers (one query)."""
    return RevocationTask.objects.filter(status=TaskStatus.OPEN, leaver=True).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lte=now)),
        leavers=Count("grant__user", distinct=True),
    )
