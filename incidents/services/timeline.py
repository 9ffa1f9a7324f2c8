"""Writing the timeline: every service of the incidents app records what it did here, inside its transaction.

``log`` adds one timeline line and, given ``audit_action``, the audit event of the same change. ``tell``
notifies people (in the app and by email, de-duplicated) and puts "notification sent to ..." on the
timeline, so every notification about an incident can be read on the incident.
"""

import re
from typing import cast

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

from dpms import audit
from dpms.models import User
from dpms.notify import notify_each_once
from incidents.choices import Category, EventKind, Status
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


# --- The timeline in the reader's language ------------------------------------------------------------------
# A line is stored as written, in the portal's language (the record, like the audit trail). The lines the
# services write in these words are read back in the reader's language: the stored text is matched against
# the English wording and its values are put into the translation. Anything else is shown as stored.
RECORD_WORDINGS = (
    # The longer wordings first: "Status: A → B. Reason: …" before "Status: A → B.".
    gettext_noop("Triaged: %(severity)s, handled by %(handler)s."),
    gettext_noop("Triaged again: %(severity)s, handled by %(handler)s."),
    gettext_noop("Status: %(before)s → %(after)s. Reason: %(reason)s"),
    gettext_noop("Status: %(before)s → %(after)s. Root cause: %(reason)s"),
    gettext_noop("Status: %(before)s → %(after)s."),
    gettext_noop("Reopened: %(before)s → %(after)s. Reason: %(reason)s"),
    gettext_noop("Reopened: %(before)s → %(after)s."),
    gettext_noop("Acknowledged by %(person)s on moving it to %(status)s."),
    gettext_noop("Acknowledged by %(person)s."),
    gettext_noop("Dismissed as not an incident: %(reason)s"),
    gettext_noop("Handler: %(before)s → %(after)s."),
    gettext_noop("Severity: %(before)s → %(after)s. %(reason)s"),
    gettext_noop("Severity: %(before)s → %(after)s."),
    gettext_noop("Category corrected from %(before)s to %(after)s."),
    gettext_noop("Attached %(name)s (%(size)s)."),
    gettext_noop("Shared with %(person)s."),
    gettext_noop("No longer shared with %(person)s."),
    gettext_noop(
        "Personal-data breach: the 72-hour clock to notify the supervisory authority runs until the deadline "
        "below (awareness differs from the noticed time: %(reason)s)"
    ),
    gettext_noop(
        "Personal-data breach: the 72-hour clock to notify the supervisory authority runs until the deadline "
        "below"
    ),
    gettext_noop(
        "Notification of the supervisory authority not required: %(reason)s. The clock has stopped."
    ),
    gettext_noop("%(subject)s: sent to %(people)s (%(reason)s)"),
    gettext_noop("%(subject)s: sent to %(people)s"),
    gettext_noop("%(subject)s: nobody to tell"),
    # What notifications said (their subjects, as the notification lines name them).
    "New incident {reference}: {title}",
    "{reference} is {status}",
    "{reference}: personal-data breach, the 72-hour deadline to notify the supervisory authority passed at "
    "{deadline}",
    "{reference}: personal-data breach, the 72-hour deadline to notify the supervisory authority runs until "
    "{deadline}",
    "{reference}: awareness changed, notify the supervisory authority by {deadline}",
    "{reference}: significant incident under NIS2, early warning due by {deadline}",
    "{reference}: deadline passed at {deadline}, notify the supervisory authority now and record the reasons "
    "for the delay",
    "{reference}: {hours} hours of 72 elapsed, notify the supervisory authority by {deadline}",
)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def _wording_pattern(wording: str) -> re.Pattern[str]:
    pattern, last = "", 0
    for match in _PLACEHOLDER.finditer(wording):
        pattern += re.escape(wording[last : match.start()]) + f"(?P<{match.group(1) or match.group(2)}>.+?)"
        last = match.end()
    return re.compile("^" + pattern + re.escape(wording[last:]) + "$", re.DOTALL)


_WORDINGS = [(wording, _wording_pattern(wording)) for wording in RECORD_WORDINGS]
# Choice labels inside a record ("Status: Triaged → Investigating"), by their English words.
_LABELS = {str(label).lower(): label for choices in (Status, Category) for label in choices.labels}


def _label(value: str, *, lower: bool) -> str:
    label = _LABELS.get(value.lower())
    if label is None:
        return value
    english = (translation.get_language() or "en").startswith("en")
    return str(label).lower() if lower and english else str(label)


def read(text: str, *, depth: int = 0) -> str:
    """``text``, a line as a service stored it, in the reader's language when it is in known words."""
    for wording, pattern in _WORDINGS:
        match = pattern.match(text)
        if match is None:
            continue
        values = match.groupdict()
        for key in ("before", "after"):
            if key in values:
                values[key] = _label(values[key], lower=False)
        if "status" in values:
            values["status"] = _label(values["status"], lower=True)
        if "subject" in values and depth == 0:
            values["subject"] = read(values["subject"], depth=1)
        translated = gettext(wording)
        return translated % values if "%(" in wording else translated.format(**values)
    return text
