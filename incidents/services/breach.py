"""The regulatory clocks of an incident: the GDPR personal-data breach and the NIS2 significant incident.

GDPR Art. 33: the supervisory authority is to be told within 72 hours of becoming aware of a personal-data
breach; a later notice gives the reasons for the delay; every breach is documented (facts, effects, remedial
action, decisions: the breach register). Art. 34: the data subjects are told when the risk to them is high,
unless an exemption of Art. 34(3) applies. NIS2 Art. 23 (when ``settings.NIS2_ENABLED``): an early warning
within 24 hours, a notification within 72 hours, a final report within one month of the notification.

Every deadline is an elapsed-time offset from a stored UTC instant (``aware_at + 72 h``), so it is right
across daylight-saving changes; only the display uses the viewer's time zone.

Reminders (``remind_clocks``, a step of the incidents tick): at 24, 48 and 66 hours elapsed since awareness
and at the deadline (72). ``Incident.breach_reminder_hours`` keeps the last step sent and is claimed with a
conditional UPDATE (``... WHERE breach_reminder_hours < step``), so two workers never both send a step.
After downtime only the latest due step is sent; the earlier ones are skipped as stale (they would tell
people something no longer true) and the timeline says so. NIS2 deadlines get a reminder 6 hours before and
one when passed, claimed the same way through ``Incident.nis2_reminder_key``.
"""

import datetime
import logging
import zoneinfo
from datetime import UTC, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from dpms import pdf, webhooks
from dpms.formats import show_datetime
from dpms.models import WebhookEvent
from incidents.choices import (
    AuthorityDecision,
    Category,
    EventKind,
    PersonalData,
    Severity,
    Status,
    SubjectsDecision,
)
from incidents.models import (
    AUTHORITY_HOURS,
    NIS2_EARLY_WARNING_HOURS,
    NIS2_NOTIFICATION_HOURS,
    Incident,
    PdfExport,
)
from incidents.queries.breach import CSV_HEADER, breaches_for, csv_row, on_time
from incidents.queries.detail import timeline_events
from incidents.queries.visibility import is_responder, security_officers_for, sees_internal
from incidents.services.common import webhook_data
from incidents.services.timeline import log, recorded, tell

logger = logging.getLogger(__name__)

REMINDER_HOURS = (24, 48, 66, AUTHORITY_HOURS)
NIS2_SOON = timedelta(hours=6)
NIS2_REPORTS = {
    "early_warning": gettext_lazy("NIS2 early warning"),
    "notification": gettext_lazy("NIS2 incident notification"),
    "final_report": gettext_lazy("NIS2 final report"),
}
# The NIS2 reminder steps in the order they fall due (early warning < notification < final report).
NIS2_STEPS = tuple(f"{report}:{when}" for report in NIS2_REPORTS for when in ("soon", "passed"))
LATE_MESSAGE = gettext_lazy(
    "The notification was made after the 72-hour deadline: give the reasons for the delay (Art. 33(1) GDPR)."
)
EXEMPTIONS = tuple(choice for choice in SubjectsDecision.values if choice != SubjectsDecision.REQUIRED)


def utc_text(when: datetime.datetime) -> str:
    """An instant as it is written in messages that go to people in several time zones: in UTC, and in the
    portal's own zone, where most of them are (e.g. "02 Dec 2026, 01:00 UTC (02:00 CET)")."""
    local = when.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return f"{when.astimezone(UTC):%d %b %Y, %H:%M} UTC ({local:%H:%M %Z})"


def local_text(when: datetime.datetime) -> str:
    """An instant in the zone of the person reading it now (a form error): the request's active zone, in the
    pages' format with the zone ("2 Dec 2026, 14:05 CET")."""
    return f"{show_datetime(when)} {timezone.localtime(when):%Z}"


def utc_iso(when: datetime.datetime) -> str:
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def _times(*pairs) -> list[list[str]]:
    """The instants a timeline line names, as ``[label, ISO instant]`` in ``event.data["times"]``: the
    timeline shows each in the viewer's time zone (the ``iso_local`` filter), so the text has no times."""
    return [[label, utc_iso(when)] for label, when in pairs if when is not None]


def as_utc(when):
    """An instant in UTC. Deadlines are elapsed hours: adding hours to a time in a zone with daylight saving
    adds wall-clock hours (72 of them across the spring change are 71 real ones), so every instant a
    service receives (typed in the viewer's zone) is turned to UTC before any arithmetic."""
    return when.astimezone(UTC) if isinstance(when, datetime.datetime) else when


def latest_step(aware_at: datetime.datetime, now: datetime.datetime) -> int:
    """The latest reminder step (hours elapsed since awareness) reached at ``now``; 0 before the first."""
    aware_at = as_utc(aware_at)
    reached = [hours for hours in REMINDER_HOURS if aware_at + timedelta(hours=hours) <= now]
    return reached[-1] if reached else 0


def one_month_after(when: datetime.datetime) -> datetime.datetime:
    """The same time one calendar month later in UTC, the day clamped to the end of a shorter
    month (31 January: 28 or 29 February)."""
    return when.astimezone(UTC) + relativedelta(months=1)


def _lock(incident: Incident, actor) -> Incident:
    """The incident's row, locked until the end of the transaction: two people recording a decision at once
    would otherwise both see the clock running and the second would overwrite the first. The permission is
    re-checked on the locked row (a handler changed or a share withdrawn meanwhile)."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if not is_responder(actor, locked):
        raise PermissionDenied(
            gettext("Only the handler and the security officers run this incident's clocks.")
        )
    return locked


def _require_breach(incident: Incident) -> None:
    if not incident.is_breach:
        raise ValidationError(gettext("This incident is not marked as a personal-data breach."))


def _require_running(incident: Incident) -> None:
    _require_breach(incident)
    if incident.authority_decision:
        raise ValidationError(
            gettext(
                "The decision on notifying the supervisory authority is recorded already: "
                "the clock has stopped."
            )
        )


def _check_instant(field: str, when, *, now, not_before=None, before_label="") -> None:
    if when is None:
        raise ValidationError({field: gettext("Give the date and time.")})
    if when > now:
        raise ValidationError({field: gettext("This time is in the future.")})
    if not_before is not None and when < not_before:
        raise ValidationError(
            {
                field: gettext("This time is before %(moment)s (%(time)s).")
                % {"moment": before_label, "time": local_text(not_before)}
            }
        )


# --- The rules a breach's record keeps: the services below check them as people act, and
# tests/incidents/test_demo_rules.py holds the demo's incidents to the same functions. -----------------------
SEV1_MESSAGE = gettext_lazy(
    "A personal-data breach is SEV1: the SEV1 definition covers any exposure of personal data (only a lost "
    "device whose data stayed protected, encrypted and wiped, may be lower)."
)


def validate_breach_severity(*, severity, category: str, is_breach: bool) -> None:
    """A personal-data breach is SEV1 (``SEVERITY_DEFINITIONS``: "any exposure of personal or customer
    data"); a lost or stolen device is the exception the SEV3 definition names (encrypted and wiped)."""
    if (
        is_breach
        and severity is not None
        and int(severity) != Severity.SEV1
        and category != Category.LOST_DEVICE
    ):
        raise ValidationError({"severity": SEV1_MESSAGE})


def validate_awareness(*, noticed_at, aware_at, reason: str, now) -> None:
    """Awareness is the time the incident was noticed, or another time with a reason; never in the future."""
    if aware_at != noticed_at and not (reason or "").strip():
        raise ValidationError(
            {"aware_at_reason": gettext("Say why awareness differs from the time the incident was noticed.")}
        )
    _check_instant("aware_at", aware_at, now=now)


def validate_authority_notified(*, aware_at, deadline, notified_at, reference: str, delay_reason: str, now):
    """A notification of the authority has a time (after awareness, not in the future) and the authority's
    reference; after the 72-hour deadline, the reasons for the delay (Art. 33(1))."""
    _check_instant(
        "notified_at", notified_at, now=now, not_before=aware_at, before_label=gettext("awareness")
    )
    if not (reference or "").strip():
        raise ValidationError(
            {"reference": gettext("Give the authority's reference, or how the notification was made.")}
        )
    if notified_at > deadline and not (delay_reason or "").strip():
        raise ValidationError({"delay_reason": LATE_MESSAGE})


def validate_authority_not_required(*, reason: str) -> None:
    """Not notifying the authority needs the reason (Art. 33(1))."""
    if not (reason or "").strip():
        raise ValidationError(
            {
                "reason": "Say why the breach is unlikely to result in a risk to the rights and freedoms of "
                "natural persons."
            }
        )


def validate_subjects_decision(*, decision: str, reason: str, notified_at, aware_at, now) -> None:
    """The data subjects' decision (Art. 34): one of the decisions; not telling them needs a reason and has
    no time they were told; a time they were told is after awareness and not in the future."""
    if decision not in SubjectsDecision.values:
        raise ValidationError({"decision": gettext("Choose one of the decisions.")})
    if decision in EXEMPTIONS:
        if not (reason or "").strip():
            raise ValidationError({"reason": gettext("Say why the data subjects are not told.")})
        if notified_at is not None:
            raise ValidationError(
                {"notified_at": gettext("Only a decision to tell the data subjects has this time.")}
            )
    if notified_at is not None:
        _check_instant(
            "notified_at", notified_at, now=now, not_before=aware_at, before_label=gettext("awareness")
        )


def _officers_and_handler(incident: Incident) -> list:
    people = list(security_officers_for(incident))
    if incident.handler_id and all(person.pk != incident.handler_id for person in people):
        people.insert(0, incident.handler)
    return people


def _changes(incident: Incident, before: dict, fields) -> dict:
    changes = {}
    for field in fields:
        old, new = before[field], getattr(incident, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    return changes


def _plain(value):
    return utc_iso(value) if isinstance(value, datetime.datetime) else value


def _snapshot(incident: Incident, fields) -> dict:
    return {field: getattr(incident, field) for field in fields}


# --- GDPR Art. 33: the 72-hour clock ------------------------------------------------------------------------


@transaction.atomic
def breach_mark(*, actor, incident, aware_at=None, aware_at_reason="", now=None) -> Incident:
    """Mark ``incident`` a personal-data breach and start the 72-hour clock. Awareness is the time the
    incident was noticed, unless ``aware_at`` (a different time) is given with ``aware_at_reason``.
    Responders only."""
    now, aware_at = now or timezone.now(), as_utc(aware_at)
    incident = _lock(incident, actor)
    if incident.is_breach:
        raise ValidationError(gettext("This incident is already marked as a personal-data breach."))
    if incident.status == Status.DISMISSED:
        raise ValidationError(gettext("A dismissed incident cannot be marked as a personal-data breach."))
    validate_breach_severity(severity=incident.severity, category=incident.category, is_breach=True)
    reason = (aware_at_reason or "").strip()
    if aware_at is None:
        aware_at = incident.noticed_at
    validate_awareness(noticed_at=incident.noticed_at, aware_at=aware_at, reason=reason, now=now)
    incident.is_breach = True
    incident.breach_marked_at = now
    incident.breach_marked_by = actor
    incident.aware_at = aware_at
    incident.aware_at_reason = reason
    incident.authority_deadline = Incident.authority_deadline_for(aware_at)
    # Steps already passed when the clock starts are not reminded: the notice below gives the deadline.
    incident.breach_reminder_hours = latest_step(aware_at, now)
    incident.personal_data = PersonalData.YES
    incident.updated_at = now
    incident.save(
        update_fields=[
            "is_breach",
            "breach_marked_at",
            "breach_marked_by",
            "aware_at",
            "aware_at_reason",
            "authority_deadline",
            "breach_reminder_hours",
            "personal_data",
            "updated_at",
        ]
    )
    deadline = incident.authority_deadline
    log(
        incident=incident,
        kind=EventKind.CLOCK,
        actor=actor,
        text="Personal-data breach: the 72-hour clock to notify the supervisory authority runs until the "
        "deadline below" + (f" (awareness differs from the noticed time: {reason})" if reason else ""),
        data={
            "aware_at": utc_iso(aware_at),
            "deadline": utc_iso(deadline),
            "times": _times(
                (gettext_noop("Aware since"), aware_at), (gettext_noop("72-hour deadline"), deadline)
            ),
        },
        audit_action="incident.breach_marked",
        changes={
            "is_breach": [False, True],
            "aware_at": utc_iso(aware_at),
            "aware_at_reason": reason,
            "authority_deadline": utc_iso(deadline),
        },
        at=now,
    )
    subject = (
        gettext_lazy(
            "{reference}: personal-data breach, the 72-hour deadline to notify the supervisory authority "
            "passed at {deadline}"
        )
        if deadline <= now
        else gettext_lazy(
            "{reference}: personal-data breach, the 72-hour deadline to notify the supervisory authority "
            "runs until {deadline}"
        )
    )
    tell(
        incident=incident,
        recipients=_officers_and_handler(incident),
        subject=format_lazy(subject, reference=incident.reference, deadline=utc_text(deadline)),
        body=format_lazy(
            gettext_lazy(
                "{reference} {title} was marked as a personal-data breach. Record the notification to the "
                "supervisory authority, or why it is not required, on the incident."
            ),
            reference=incident.reference,
            title=incident.title,
        ),
        dedup_key=f"incident:{incident.pk}:breach-marked",
        actor=actor,
    )
    webhooks.emit(
        WebhookEvent.BREACH_CLOCK_STARTED,
        {**webhook_data(incident), "aware_at": utc_iso(aware_at), "authority_deadline": utc_iso(deadline)},
        event_id=f"breach-clock:{incident.pk}:{utc_iso(aware_at)}",
    )
    return incident


@transaction.atomic
def breach_set_awareness(*, actor, incident, aware_at, reason, now=None) -> Incident:
    """Change the awareness time (with a reason) while the clock runs; the deadline moves with it. The
    reminders follow the new clock: its steps already passed are not sent (the notice of the change gives
    the new deadline), its later ones are, even a step the old clock had reached (a later awareness). The
    reminder's de-duplication key names the awareness, so a step of the new clock is not taken for the old
    one's."""
    now, aware_at = now or timezone.now(), as_utc(aware_at)
    incident = _lock(incident, actor)
    _require_running(incident)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why the awareness time changes.")})
    _check_instant("aware_at", aware_at, now=now)
    if aware_at == incident.aware_at:
        raise ValidationError({"aware_at": gettext("This is the awareness time already.")})
    fields = ("aware_at", "aware_at_reason", "authority_deadline", "breach_reminder_hours")
    before = _snapshot(incident, fields)
    incident.aware_at = aware_at
    incident.aware_at_reason = reason
    incident.authority_deadline = Incident.authority_deadline_for(aware_at)
    incident.breach_reminder_hours = latest_step(aware_at, now)
    incident.updated_at = now
    incident.save(update_fields=[*fields, "updated_at"])
    deadline = incident.authority_deadline
    change = log(
        incident=incident,
        kind=EventKind.CLOCK,
        actor=actor,
        text=f"Awareness changed ({reason}): the 72-hour clock now runs until the deadline below",
        data={
            "aware_at": utc_iso(aware_at),
            "deadline": utc_iso(deadline),
            "times": _times(
                (gettext_noop("Aware since"), aware_at),
                (gettext_noop("72-hour deadline"), deadline),
                ("Previously aware since", before["aware_at"]),
            ),
        },
        audit_action="incident.breach_awareness_changed",
        changes=_changes(incident, before, fields),
        at=now,
    )
    tell(
        incident=incident,
        recipients=_officers_and_handler(incident),
        subject=format_lazy(
            gettext_lazy("{reference}: awareness changed, notify the supervisory authority by {deadline}"),
            reference=incident.reference,
            deadline=utc_text(deadline),
        ),
        body=format_lazy(gettext_lazy("Reason: {reason}"), reason=reason),
        dedup_key=f"incident:{incident.pk}:breach-awareness:{change.pk}",  # every change is told
        actor=actor,
    )
    return incident


@transaction.atomic
def authority_record_notified(
    *, actor, incident, notified_at, reference, delay_reason="", now=None
) -> Incident:
    """Record that the supervisory authority was notified (when, and its reference); this stops the clock.
    After the deadline the reasons for the delay are required (Art. 33(1)). A breach first judged "not
    required" can still be notified later."""
    now, notified_at = now or timezone.now(), as_utc(notified_at)
    incident = _lock(incident, actor)
    _require_breach(incident)
    if incident.authority_decision == AuthorityDecision.NOTIFIED:
        raise ValidationError(gettext("The notification to the supervisory authority is recorded already."))
    validate_authority_notified(
        aware_at=incident.aware_at,
        deadline=incident.authority_deadline,
        notified_at=notified_at,
        reference=reference,
        delay_reason=delay_reason,
        now=now,
    )
    reference = (reference or "").strip()
    late = notified_at > incident.authority_deadline
    delay_reason = (delay_reason or "").strip()
    fields = (
        "authority_decision",
        "authority_notified_at",
        "authority_reference",
        "authority_delay_reason",
        "authority_not_required_reason",
        "authority_decided_at",
        "authority_decided_by",
    )
    before = _snapshot(incident, fields)
    # Notified after all: the earlier "not required" reason no longer describes the decision (the audit
    # trail and the timeline keep it).
    incident.authority_not_required_reason = ""
    incident.authority_decision = AuthorityDecision.NOTIFIED
    incident.authority_notified_at = notified_at
    incident.authority_reference = reference
    incident.authority_delay_reason = delay_reason if late else ""
    incident.authority_decided_at = now
    incident.authority_decided_by = actor
    incident.updated_at = now
    incident.save(update_fields=[*fields, "updated_at"])
    timing = (
        f"{late_by_text(notified_at - incident.authority_deadline)} after the deadline; "
        f"reasons: {delay_reason}"
        if late
        else "within the 72 hours"
    )
    changes = _changes(incident, before, fields[:-1])
    changes["authority_decided_by"] = actor.pk
    log(
        incident=incident,
        kind=EventKind.CLOCK,
        actor=actor,
        text=f"Supervisory authority notified (reference {reference}), {timing}. The clock has stopped.",
        data={
            "notified_at": utc_iso(notified_at),
            "late": late,
            "times": _times((gettext_noop("Notified at"), notified_at)),
        },
        audit_action="incident.authority_notified",
        changes=changes,
        at=now,
    )
    return incident


def late_by_text(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min"


@transaction.atomic
def authority_record_not_required(*, actor, incident, reason, now=None) -> Incident:
    """Record that the breach is unlikely to result in a risk to the rights and freedoms of natural persons,
    so the authority is not notified (Art. 33(1)); the reason is required. This stops the clock."""
    now = now or timezone.now()
    incident = _lock(incident, actor)
    _require_running(incident)
    validate_authority_not_required(reason=reason)
    reason = (reason or "").strip()
    incident.authority_decision = AuthorityDecision.NOT_REQUIRED
    incident.authority_not_required_reason = reason
    incident.authority_decided_at = now
    incident.authority_decided_by = actor
    incident.updated_at = now
    incident.save(
        update_fields=[
            "authority_decision",
            "authority_not_required_reason",
            "authority_decided_at",
            "authority_decided_by",
            "updated_at",
        ]
    )
    log(
        incident=incident,
        kind=EventKind.CLOCK,
        actor=actor,
        text=f"Notification of the supervisory authority not required: {reason}. The clock has stopped.",
        audit_action="incident.authority_not_required",
        changes={"authority_decision": ["", AuthorityDecision.NOT_REQUIRED], "reason": reason},
        at=now,
    )
    return incident


# --- GDPR Art. 34: the data subjects, and the documentation of Art. 33(5) -----------------------------------


@transaction.atomic
def subjects_record_decision(*, actor, incident, decision, reason="", notified_at=None, now=None) -> Incident:
    """Record whether the data subjects are to be told (Art. 34): "required" (with when they were told, now or
    by calling again later), or not required under Art. 34(1) or an exemption of 34(3), with a reason."""
    now, notified_at = now or timezone.now(), as_utc(notified_at)
    incident = _lock(incident, actor)
    _require_breach(incident)
    validate_subjects_decision(
        decision=decision, reason=reason, notified_at=notified_at, aware_at=incident.aware_at, now=now
    )
    reason = (reason or "").strip()
    if decision in EXEMPTIONS and incident.subjects_notified_at is not None:
        raise ValidationError(
            {"decision": gettext("The data subjects were told already; that is recorded and stays.")}
        )
    if notified_at is None and (
        decision == SubjectsDecision.REQUIRED and incident.subjects_decision == SubjectsDecision.REQUIRED
    ):
        notified_at = incident.subjects_notified_at  # a later call without a time keeps the one recorded
    fields = ("subjects_decision", "subjects_decision_reason", "subjects_notified_at")
    before = _snapshot(incident, fields)
    incident.subjects_decision = decision
    incident.subjects_decision_reason = reason
    incident.subjects_notified_at = notified_at
    changes = _changes(incident, before, fields)
    if not changes:
        raise ValidationError(gettext("This decision is recorded already."))
    incident.subjects_decided_at = now
    incident.subjects_decided_by = actor
    incident.updated_at = now
    incident.save(update_fields=[*fields, "subjects_decided_at", "subjects_decided_by", "updated_at"])
    text = f"Data subjects: {recorded(SubjectsDecision(decision).label)}"
    if reason:
        text += f" ({reason})"
    if notified_at is not None:
        text += "; told at the time below"
    log(
        incident=incident,
        kind=EventKind.CLOCK,
        actor=actor,
        text=text,
        data={"times": _times((gettext_noop("Data subjects told at"), notified_at))},
        audit_action="incident.subjects_decision",
        changes=changes,
        at=now,
    )
    return incident


@transaction.atomic
def breach_record_facts(*, actor, incident, nature, effects, remedial_action, now=None) -> Incident:
    """Record the facts of the breach for the register (Art. 33(3) and (5)): its nature (categories and
    approximate numbers of people and records), likely effects, and the measures taken or proposed."""
    now = now or timezone.now()
    incident = _lock(incident, actor)
    _require_breach(incident)
    fields = ("breach_nature", "breach_effects", "breach_remedial_action")
    before = _snapshot(incident, fields)
    incident.breach_nature = (nature or "").strip()
    incident.breach_effects = (effects or "").strip()
    incident.breach_remedial_action = (remedial_action or "").strip()
    changes = _changes(incident, before, fields)
    if not changes:
        raise ValidationError(gettext("Nothing changed."))
    incident.updated_at = now
    incident.save(update_fields=[*fields, "updated_at"])
    labels = {
        "breach_nature": "nature",
        "breach_effects": "effects",
        "breach_remedial_action": "remedial action",
    }
    log(
        incident=incident,
        kind=EventKind.UPDATE,
        actor=actor,
        text="Breach facts recorded: " + ", ".join(labels[field] for field in changes),
        audit_action="incident.breach_facts",
        changes=changes,
        at=now,
    )
    return incident


# --- NIS2 Art. 23 -------------------------------------------------------------------------------------------


def _require_nis2() -> None:
    if not settings.NIS2_ENABLED:
        raise ValidationError(gettext("NIS2 reporting is not enabled in this installation."))


@transaction.atomic
def nis2_mark_significant(*, actor, incident, aware_at=None, reason="", now=None) -> Incident:
    """Mark a significant incident under NIS2: the early warning is due 24 hours and the notification 72 hours
    after awareness (the noticed time unless ``aware_at`` is given with a reason)."""
    _require_nis2()
    now, aware_at = now or timezone.now(), as_utc(aware_at)
    incident = _lock(incident, actor)
    if incident.nis2_significant:
        raise ValidationError(gettext("This incident is already marked as significant under NIS2."))
    reason = (reason or "").strip()
    if aware_at is None or aware_at == incident.noticed_at:
        aware_at = incident.noticed_at
    elif not reason:
        raise ValidationError(
            {"reason": gettext("Say why awareness differs from the time the incident was noticed.")}
        )
    _check_instant("aware_at", aware_at, now=now)
    incident.nis2_significant = True
    incident.nis2_aware_at = aware_at
    incident.nis2_early_warning_deadline = as_utc(aware_at) + timedelta(hours=NIS2_EARLY_WARNING_HOURS)
    incident.nis2_notification_deadline = as_utc(aware_at) + timedelta(hours=NIS2_NOTIFICATION_HOURS)
    incident.nis2_reminder_key = nis2_latest_step(incident, now) or ""
    incident.updated_at = now
    incident.save(
        update_fields=[
            "nis2_significant",
            "nis2_aware_at",
            "nis2_early_warning_deadline",
            "nis2_notification_deadline",
            "nis2_reminder_key",
            "updated_at",
        ]
    )
    early, notification = incident.nis2_early_warning_deadline, incident.nis2_notification_deadline
    log(
        incident=incident,
        kind=EventKind.CLOCK,
        actor=actor,
        text="Significant incident under NIS2: the early warning and the notification are due by the "
        "deadlines below" + (f" (awareness differs from the noticed time: {reason})" if reason else ""),
        data={
            "times": _times(
                (gettext_noop("Aware since"), aware_at),
                (gettext_noop("Early warning due by"), early),
                (gettext_noop("Notification due by"), notification),
            )
        },
        audit_action="incident.nis2_significant",
        changes={
            "nis2_significant": [False, True],
            "nis2_aware_at": utc_iso(aware_at),
            "reason": reason,
            "nis2_early_warning_deadline": utc_iso(early),
            "nis2_notification_deadline": utc_iso(notification),
        },
        at=now,
    )
    tell(
        incident=incident,
        recipients=_officers_and_handler(incident),
        subject=format_lazy(
            gettext_lazy("{reference}: significant incident under NIS2, early warning due by {deadline}"),
            reference=incident.reference,
            deadline=utc_text(early),
        ),
        dedup_key=f"incident:{incident.pk}:nis2-significant",
        actor=actor,
    )
    return incident


@transaction.atomic
def nis2_record(*, actor, incident, report, at, now=None) -> Incident:
    """Record when a NIS2 report was submitted: ``early_warning``, ``notification`` (which sets the final
    report's deadline, one calendar month later) or ``final_report`` (after the notification)."""
    _require_nis2()
    now, at = now or timezone.now(), as_utc(at)
    incident = _lock(incident, actor)
    if not incident.nis2_significant:
        raise ValidationError(gettext("This incident is not marked as significant under NIS2."))
    if report not in NIS2_REPORTS:
        raise ValidationError(
            {"report": gettext("Choose the early warning, the notification or the final report.")}
        )
    label = NIS2_REPORTS[report]
    if getattr(incident, f"nis2_{report}_at") is not None:
        raise ValidationError({"report": gettext("The %(report)s is recorded already.") % {"report": label}})
    if report == "final_report" and incident.nis2_notification_at is None:
        raise ValidationError(
            {"report": gettext("The final report follows the notification: record that first.")}
        )
    _check_instant("at", at, now=now, not_before=incident.nis2_aware_at, before_label=gettext("awareness"))
    setattr(incident, f"nis2_{report}_at", at)
    fields = [f"nis2_{report}_at", "updated_at"]
    text = f"{recorded(label)} submitted"
    times = [(gettext_noop("Submitted at"), at)]
    deadline = getattr(incident, f"nis2_{report}_deadline")
    if deadline is not None and at > deadline:
        text += f", {late_by_text(at - deadline)} after its deadline"
    if report == "notification":
        incident.nis2_final_report_deadline = one_month_after(at)
        fields.append("nis2_final_report_deadline")
        text += "; the final report is due one month later"
        times.append((gettext_noop("Final report due by"), incident.nis2_final_report_deadline))
    incident.updated_at = now
    incident.save(update_fields=fields)
    log(
        incident=incident,
        kind=EventKind.CLOCK,
        actor=actor,
        text=text,
        data={"times": _times(*times)},
        audit_action=f"incident.nis2_{report}",
        changes={field: [None, _plain(getattr(incident, field))] for field in fields[:1] + fields[2:]},
        at=now,
    )
    return incident


def nis2_pending(incident: Incident) -> list[tuple[str, datetime.datetime]]:
    """The NIS2 reports still due, with their deadlines, earliest first. The early warning is moot once the
    notification is in (the notification updates it)."""
    if not incident.nis2_significant:
        return []
    early, notification, final = (
        incident.nis2_early_warning_deadline,
        incident.nis2_notification_deadline,
        incident.nis2_final_report_deadline,
    )
    pending = []
    # A significant incident has its early-warning and notification deadlines (set when it is marked).
    if incident.nis2_early_warning_at is None and incident.nis2_notification_at is None and early is not None:
        pending.append(("early_warning", early))
    if incident.nis2_notification_at is None and notification is not None:
        pending.append(("notification", notification))
    if incident.nis2_final_report_at is None and final is not None:
        pending.append(("final_report", final))
    return pending


def nis2_latest_step(incident: Incident, now) -> str | None:
    """The latest NIS2 reminder step reached at ``now`` among the reports still due."""
    reached = None
    for report, deadline in nis2_pending(incident):
        for when, at in (("soon", deadline - NIS2_SOON), ("passed", deadline)):
            step = f"{report}:{when}"
            if at <= now and (reached is None or NIS2_STEPS.index(step) > NIS2_STEPS.index(reached)):
                reached = step
    return reached


def _nis2_sent(key: str) -> int:
    return NIS2_STEPS.index(key) if key in NIS2_STEPS else -1


# --- Reminders (tick step) ----------------------------------------------------------------------------------


def _authority_due(now) -> Q:
    """Breaches whose clock runs and which reached a step not sent yet, in SQL."""
    reached = Q()
    for hours in REMINDER_HOURS:
        reached |= Q(breach_reminder_hours__lt=hours, aware_at__lte=now - timedelta(hours=hours))
    return Q(is_breach=True, authority_decision="") & ~Q(status=Status.DISMISSED) & reached


def _nis2_due(now) -> Q:
    soon = now + NIS2_SOON
    return (
        Q(nis2_significant=True)
        & ~Q(status=Status.DISMISSED)
        & (
            Q(nis2_early_warning_at=None, nis2_notification_at=None, nis2_early_warning_deadline__lte=soon)
            | Q(nis2_notification_at=None, nis2_notification_deadline__lte=soon)
            | Q(nis2_final_report_at=None, nis2_final_report_deadline__lte=soon)
        )
    )


def remind_clocks(*, now) -> int:
    """Tick step: send the reminder steps of the running clocks that fell due. Returns how many were sent.
    Each incident is reminded in its own transaction: one that fails is logged and rolled back (its step is
    not claimed, so the next tick tries again), the others go on, and the step then fails so monitoring
    sees it."""
    sent, failed = 0, []
    steps = [(_remind_authority, _authority_due)]
    if settings.NIS2_ENABLED:
        steps.append((_remind_nis2, _nis2_due))
    for remind, due in steps:
        for pk in list(Incident.objects.filter(due(now)).values_list("pk", flat=True)):
            try:
                sent += remind(pk, now)
            except Exception:
                logger.exception("Clock reminder for incident %s failed", pk)
                failed.append(pk)
    if failed:
        raise RuntimeError(f"Clock reminders failed for {len(failed)} incident(s); see the log")
    return sent


@transaction.atomic
def _remind_authority(pk: int, now) -> int:
    # skip_locked: a row another worker is reminding (or someone is deciding on) is left to it or to the next
    # tick; the conditional update below is the claim that makes a step go out once.
    incident = (
        Incident.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("handler")
        .filter(_authority_due(now), pk=pk)
        .first()
    )
    if incident is None or incident.aware_at is None or incident.authority_deadline is None:
        return 0  # not due (or, without an awareness time, no clock to remind of)
    step = latest_step(incident.aware_at, now)
    claimed = Incident.objects.filter(pk=pk, breach_reminder_hours__lt=step, authority_decision="").update(
        breach_reminder_hours=step
    )
    if not claimed:
        return 0
    skipped = [hours for hours in REMINDER_HOURS if incident.breach_reminder_hours < hours < step]
    deadline = incident.authority_deadline
    webhooks.emit(
        WebhookEvent.BREACH_DEADLINE_NEAR,
        {**webhook_data(incident), "hours_elapsed": step, "authority_deadline": utc_iso(deadline)},
        event_id=f"breach-near:{incident.pk}:{step}",
    )
    if step >= AUTHORITY_HOURS:
        subject = format_lazy(
            gettext_lazy(
                "{reference}: deadline passed at {deadline}, notify the supervisory authority now and record "
                "the reasons for the delay"
            ),
            reference=incident.reference,
            deadline=utc_text(deadline),
        )
    else:
        subject = format_lazy(
            gettext_lazy(
                "{reference}: {hours} hours of 72 elapsed, notify the supervisory authority by {deadline}"
            ),
            reference=incident.reference,
            hours=step,
            deadline=utc_text(deadline),
        )
    if skipped:
        log(
            incident=incident,
            kind=EventKind.CLOCK,
            text="Reminders at " + ", ".join(f"{hours} h" for hours in skipped) + " skipped as stale (the "
            f"reminder job was not running); the {step}-hour reminder is sent instead",
            data={"skipped": skipped, "step": step},
            at=now,
        )
    _tell_or_log(
        incident,
        subject=subject,
        body=format_lazy(
            gettext_lazy(
                "{reference} {title} is a personal-data breach. Record the notification to the supervisory "
                "authority, or why it is not required, on the incident."
            ),
            reference=incident.reference,
            title=incident.title,
        ),
        # The awareness is part of the key: after an awareness change the new clock's steps are new messages.
        dedup_key=f"incident:{pk}:breach-clock:{step}:aware-{utc_iso(incident.aware_at)}",
        now=now,
    )
    return 1


@transaction.atomic
def _remind_nis2(pk: int, now) -> int:
    incident = (
        Incident.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("handler")
        .filter(_nis2_due(now), pk=pk)
        .first()
    )
    if incident is None:
        return 0
    step = nis2_latest_step(incident, now)
    if step is None or NIS2_STEPS.index(step) <= _nis2_sent(incident.nis2_reminder_key):
        return 0
    # Compare-and-set on the last step sent: the claim that makes a step go out once.
    claimed = Incident.objects.filter(pk=pk, nis2_reminder_key=incident.nis2_reminder_key).update(
        nis2_reminder_key=step
    )
    if not claimed:
        return 0
    report, when = step.split(":")
    deadline = getattr(incident, f"nis2_{report}_deadline")
    label = NIS2_REPORTS[report]
    if when == "passed":
        wording = gettext_lazy("{reference}: the {report} deadline passed at {deadline}, submit it now")
    else:
        wording = gettext_lazy("{reference}: the {report} is due by {deadline} (in 6 hours or less)")
    subject = format_lazy(wording, reference=incident.reference, report=label, deadline=utc_text(deadline))
    pending = [(NIS2_REPORTS[name], utc_text(at)) for name, at in nis2_pending(incident)]

    def still_due() -> str:
        """The reports still due, in the language the message is being written in."""
        lines = [
            gettext("- %(report)s: due by %(deadline)s") % {"report": r, "deadline": d} for r, d in pending
        ]
        return "\n".join([gettext("NIS2 reports still due:"), *lines])

    _tell_or_log(
        incident,
        subject=subject,
        body=lazy(still_due, str)(),
        dedup_key=f"incident:{pk}:nis2-clock:{step}",
        now=now,
    )
    return 1


def _tell_or_log(
    incident: Incident, *, subject: "str | Promise", body: "str | Promise", dedup_key: str, now
) -> None:
    """Tell the handler and the security officers who may see it; with nobody to tell, the timeline says
    so."""
    told = tell(
        incident=incident,
        recipients=_officers_and_handler(incident),
        subject=subject,
        body=body,
        dedup_key=dedup_key,
    )
    if not told:
        log(incident=incident, kind=EventKind.CLOCK, text=f"{recorded(subject)}: nobody to tell", at=now)


# --- PDFs (dpms.pdf): an incident, and the breach register (Art. 33(5) GDPR) -------------------------------
PDF_TASK = "incidents.tasks.render_pdf"
TIMELINE_CSV_HEADER = ("at", "kind", "actor", "internal", "text")


@transaction.atomic
def incident_pdf_request(*, incident: Incident, actor) -> PdfExport:
    """Ask for ``incident`` as a PDF (facts, the timeline ``actor`` sees, breach decisions and clocks),
    written in the background in ``actor``'s language. The caller has checked ``sees_internal``."""
    subject = gettext("Incident %(reference)s") % {"reference": incident.reference}
    return pdf.export_request(
        PdfExport,
        task=PDF_TASK,
        requested_by=actor,
        subject=subject,
        kind=PdfExport.Kind.INCIDENT,
        incident=incident,
    )


@transaction.atomic
def breach_register_pdf_request(*, actor) -> PdfExport:
    """Ask for the breach register as a PDF; the caller has checked ``can_open_register``."""
    subject = gettext("Register of personal data breaches (Art. 33(5) GDPR)")
    return pdf.export_request(
        PdfExport, task=PDF_TASK, requested_by=actor, subject=subject, kind=PdfExport.Kind.BREACHES
    )


def _deadline_state(deadline, done_at, now) -> str:
    """met (done by the deadline), missed (done late, or not done and past it), pending, or "" (no clock)."""
    if deadline is None:
        return ""
    if done_at is not None:
        return "met" if done_at <= deadline else "missed"
    return "missed" if now > deadline else "pending"


def incident_clocks(incident: Incident, now) -> list[dict]:
    """The incident's regulatory clocks (the GDPR 72 hours, the NIS2 reports) with met, missed or pending."""
    clocks: list[dict[str, Any]] = []
    if incident.is_breach and incident.authority_deadline:
        if incident.authority_decision == AuthorityDecision.NOT_REQUIRED:
            state = "not required"
        else:
            state = _deadline_state(incident.authority_deadline, incident.authority_notified_at, now)
        clocks.append(
            {
                "label": gettext("Supervisory authority (Art. 33 GDPR, 72 hours)"),
                "deadline": incident.authority_deadline,
                "done_at": incident.authority_notified_at,
                "state": state,
            }
        )
    if incident.nis2_significant:
        for report, deadline, done_at in (
            ("early_warning", incident.nis2_early_warning_deadline, incident.nis2_early_warning_at),
            ("notification", incident.nis2_notification_deadline, incident.nis2_notification_at),
            ("final_report", incident.nis2_final_report_deadline, incident.nis2_final_report_at),
        ):
            if deadline is not None:
                clocks.append(
                    {
                        "label": str(NIS2_REPORTS[report]),
                        "deadline": deadline,
                        "done_at": done_at,
                        "state": _deadline_state(deadline, done_at, now),
                    }
                )
    states = {
        "met": gettext("met"),
        "missed": gettext("missed"),
        "pending": gettext("pending"),
        "not required": gettext("not required"),
    }
    for row in clocks:
        row["state_label"] = states.get(row["state"], row["state"])
    return clocks


def _timeline_row(event) -> list:
    actor = f"{event.actor.full_name} <{event.actor.email}>" if event.actor else ""
    return [event.at, event.kind, actor, "yes" if event.internal else "no", event.text]


def _incident_build(export: PdfExport, now) -> pdf.Built:
    user = export.requested_by
    incident = Incident.objects.select_related(
        "handler", "reported_by", "breach_marked_by", "authority_decided_by", "subjects_decided_by"
    ).get(pk=export.incident_id or 0)
    internal = sees_internal(user, incident)
    events = list(timeline_events(incident, internal=internal))
    csv = pdf.csv_bytes(TIMELINE_CSV_HEADER, (_timeline_row(event) for event in events))
    context = {
        "incident": incident,
        "events": events,
        "internal": internal,
        "clocks": incident_clocks(incident, now),
        "pdf_requested_by": user,
    }
    return pdf.Built(
        template="incidents/breach/incident_pdf.html",
        context=context,
        csv=csv,
        csv_sha256=pdf.sha256(csv),
        link=reverse("incidents:pdf", args=[export.pk]),
        object_type="incidents.incident",
        object_id=str(incident.pk),
        object_label=incident.reference,
    )


def _register_build(export: PdfExport, now) -> pdf.Built:
    user = export.requested_by
    breaches = list(breaches_for(user, with_people=True))
    csv = pdf.csv_bytes(CSV_HEADER, (csv_row(incident, now) for incident in breaches))
    rows = [
        {"incident": incident, "on_time": on_time(incident, now), "clocks": incident_clocks(incident, now)}
        for incident in breaches
    ]
    return pdf.Built(
        template="incidents/breach/register_pdf.html",
        context={"rows": rows, "pdf_requested_by": user},
        csv=csv,
        csv_sha256=pdf.sha256(csv),
        link=reverse("incidents:pdf", args=[export.pk]),
        object_type="incidents.breachregister",
        object_id="",
        object_label=export.subject,
    )


def pdf_build(export: PdfExport) -> pdf.Built:
    """What an incidents PDF shows (run by the task in the requester's language); the CSV is written first
    and from the same rows, so its hash and the pages describe the same moment."""
    now = timezone.now()
    if export.kind == PdfExport.Kind.INCIDENT:
        return _incident_build(export, now)
    return _register_build(export, now)


def pdf_run(*, export_id: int) -> str:
    """Write one requested incidents PDF (the task's work); safe to run twice."""
    return pdf.export_run(PdfExport, export_id, pdf_build, action="incidents.pdf.generated")


def pdf_exports_sweep(*, now: datetime.datetime) -> int:
    """Tick step: incident and register PDFs whose message or worker was lost (``dpms.pdf.export_sweep``)."""
    return pdf.export_sweep(PdfExport, task=PDF_TASK, now=now)
