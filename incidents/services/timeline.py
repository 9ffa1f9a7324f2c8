"""Writing the timeline: every service of the incidents app records what it did here, inside its transaction.

``log`` adds one timeline line and, given ``audit_action``, the audit event of the same change. ``tell``
notifies people (in the app and by email, de-duplicated) and puts "notification sent to ..." on the
timeline, so every notification about an incident can be read on the incident.
"""

from typing import cast

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from dpms import audit
from dpms.models import User
from dpms.notify import notify_each_once
from incidents.choices import EventKind
from incidents.models import Incident, IncidentEvent


def recorded(text) -> str:
    """``text`` (a choice's label, maybe lazy) as the timeline and the audit trail keep it: in the portal's
    language, whoever's language the request is in, so the record reads one way."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def incident_url(incident: Incident) -> str:
    return reverse("incidents:detail", kwargs={"pk": incident.pk})


def log(
    *,
    incident: Incident,
    kind: str,
    actor=None,
    text: str = "",
    internal: bool = True,
    data: dict | None = None,
    audit_action: str = "",
    changes: dict | None = None,
    at=None,
) -> IncidentEvent:
    """Add a timeline line (and the audit event ``audit_action`` with ``changes``, when given)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = IncidentEvent.objects.create(
        incident=incident,
        kind=kind,
        actor=actor,
        internal=internal,
        text=text,
        data=data or {},
        at=at or timezone.now(),
    )
    if audit_action:
        audit.record(action=audit_action, actor=actor, obj=incident, changes=changes or data or {})
    return event


def person(user) -> dict:
    return {"id": user.pk, "name": str(user), "email": user.email}


def tell(
    *,
    incident: Incident,
    recipients,
    subject: str | Promise,
    body: str | Promise = "",
    dedup_key: str,
    actor=None,
    internal: bool = True,
    reason: str | Promise = "",
    owed: bool = False,
) -> list[User]:
    """Notify each active recipient once per ``dedup_key`` and record who was told on the timeline.

    Returns the people newly told (an empty list when all had been told before: nothing is logged then).
    ``owed``: it asks them to act on the incident, so closing or dismissing it withdraws the notification.
    """
    told = notify_each_once(
        recipients,
        # A lazy text is a str to notify, which renders it for each recipient.
        subject=cast(str, subject),
        body=cast(str, body),
        link=incident_url(incident),
        dedup_key=dedup_key,
        topic=incident if owed else "",
    )
    if told:
        names = ", ".join(str(p) for p in told)
        # The subject may be lazy (each recipient reads it in their language); the timeline keeps it as a
        # record, in the portal's language like every other line.
        with translation.override(settings.LANGUAGE_CODE):
            subject = str(subject)
            reason = str(reason)
        log(
            incident=incident,
            kind=EventKind.NOTIFICATION,
            actor=actor,
            internal=internal,
            text=f"{subject}: sent to {names}" + (f" ({reason})" if reason else ""),
            data={"subject": subject, "recipients": [person(p) for p in told], "key": dedup_key},
        )
    return told
