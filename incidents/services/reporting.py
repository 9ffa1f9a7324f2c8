"""Reporting an incident: anyone signed in tells the security officers what happened, in a minute.

The reporter gets a reference INC-<year>-<NNNN>, a sequence per calendar year (in the portal's time zone)
taken from a locked ``IncidentCounter`` row, so two reports at once never share a number.
"""

import datetime
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from access.models import System
from dpms import webhooks
from dpms.models import WebhookEvent
from incidents.choices import Category, EventKind, PersonalData
from incidents.models import Incident, IncidentCounter
from incidents.queries.visibility import can_report, is_outside_reporter, security_officers_for
from incidents.services import escalation, timeline
from incidents.services.attachments import attachment_add, inspect_upload
from incidents.services.common import webhook_data

MAX_UPLOADS = 5
OLDEST_NOTICED = datetime.timedelta(days=5 * 366)
CLOCK_SKEW = timedelta(minutes=5)  # a browser clock a little ahead of ours is not "in the future"
TITLE_MAX = Incident._meta.get_field("title").max_length or 0


def active_systems():
    """The systems a report may name: every system of the access register (it has no retired state)."""
    return System.objects.order_by("name")


def validate_report(values: dict, *, now: datetime.datetime) -> list:
    """Refuse what a report cannot be saved with; returns the systems named. Nothing is written here."""
    errors: dict[str, str | list[str]] = {}
    if not values["title"]:
        errors["title"] = _("Say in a line what happened.")
    elif len(values["title"]) > TITLE_MAX:
        errors["title"] = _("Keep the title to %(count)s characters; put the rest in the description.") % {
            "count": TITLE_MAX
        }
    if not values["description"]:
        errors["description"] = _("Describe what happened.")
    if values["category"] not in Category.values:
        errors["category"] = _("Choose one of the categories.")
    if values["personal_data"] not in PersonalData.values:
        errors["personal_data"] = _("Answer yes, no or don't know.")
    noticed_at, occurred_at = values["noticed_at"], values["occurred_at"]
    for name, value in (("noticed_at", noticed_at), ("occurred_at", occurred_at)):
        if value is not None and (not isinstance(value, datetime.datetime) or timezone.is_naive(value)):
            errors[name] = _("Give a date and time.")
    if noticed_at is None:
        errors["noticed_at"] = _("Say when it was noticed.")
    elif "noticed_at" not in errors and noticed_at > now + CLOCK_SKEW:
        errors["noticed_at"] = _("The time it was noticed cannot be in the future.")
    elif "noticed_at" not in errors and noticed_at < now - OLDEST_NOTICED:
        # A typo (1926 for 2026) would otherwise start a breach clock that ran out decades ago.
        errors["noticed_at"] = _(
            "Check the year: an incident is reported within five years of being noticed."
        )
    if (
        occurred_at is not None
        and noticed_at is not None
        and not errors.keys() & {"noticed_at", "occurred_at"}
        and occurred_at > noticed_at
    ):
        errors["occurred_at"] = _("It cannot have happened after it was noticed.")
    systems = list(values["systems"] or ())
    ids = {getattr(system, "pk", system) for system in systems}
    found = list(active_systems().filter(pk__in=[pk for pk in ids if isinstance(pk, int)]))
    if len(found) != len(ids):
        errors["systems"] = _("Choose systems from the access register.")
    uploads = list(values["uploads"] or ())
    if len(uploads) > MAX_UPLOADS:
        errors["attachments"] = ngettext(
            "Attach at most %(count)s file.", "Attach at most %(count)s files.", MAX_UPLOADS
        ) % {"count": MAX_UPLOADS}
    else:
        problems = []
        for upload in uploads:
            try:
                inspect_upload(upload)
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            errors["attachments"] = problems
    if errors:
        raise ValidationError(errors)
    return found


def _next_reference(year: int) -> str:
    # The year's counter row is locked until the transaction ends: two reports at once never get the same
    # number, and a number is never handed out again (the counter only goes up). The row is created first
    # without a lock (ignore_conflicts), so the first reports of a year do not collide on the insert.
    IncidentCounter.objects.bulk_create([IncidentCounter(year=year)], ignore_conflicts=True)
    counter = IncidentCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"INC-{year}-{counter.last:04d}"


def _local(value: datetime.datetime) -> str:
    """The moment in the portal's time zone, written the way the language being rendered writes it."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return f"{formats.date_format(timezone.localtime(value, zone), 'DATETIME_FORMAT')} ({settings.TIME_ZONE})"


@transaction.atomic
def incident_report(
    *,
    actor,
    title: str,
    description: str,
    category: str,
    noticed_at: datetime.datetime,
    occurred_at: datetime.datetime | None = None,
    personal_data: str = PersonalData.UNKNOWN,
    systems=(),
    uploads=(),
    now: datetime.datetime | None = None,
    outside_reporter: str = "",
) -> Incident:
    """Record a report with the next reference of the year, put it on the timeline (visible to the
    reporter), attach the files and tell the security officers. Everything is checked before anything is
    written, files included: a refused report leaves nothing behind. ``now``: the report time (tests).

    ``outside_reporter``: who reported it from outside, without an account (the public vulnerability
    disclosure form, through ``incidents.services.disclosures``); ``actor`` is then the stand-in for
    outsiders (``is_outside_reporter``), which nobody signs in as."""
    if not (is_outside_reporter(actor) if outside_reporter else can_report(actor)):
        raise PermissionDenied(_("Sign in to report an incident."))
    now = now or timezone.now()
    values = {
        "title": " ".join((title or "").split()),
        "description": (description or "").strip(),
        "category": category,
        "noticed_at": noticed_at,
        "occurred_at": occurred_at,
        "personal_data": personal_data or PersonalData.UNKNOWN,
        "systems": systems,
        "uploads": uploads,
    }
    found_systems = validate_report(values, now=now)
    year = timezone.localtime(now, zoneinfo.ZoneInfo(settings.TIME_ZONE)).year
    incident = Incident.objects.create(
        reference=_next_reference(year),
        title=values["title"],
        description=values["description"],
        category=category,
        reported_by=actor,
        reported_at=now,
        noticed_at=noticed_at,
        occurred_at=occurred_at,
        personal_data=values["personal_data"],
        updated_at=now,
    )
    if found_systems:
        incident.systems.set(found_systems)
    text = (
        f"Reported by {outside_reporter or actor} as {timeline.recorded(Category(category).label).lower()}."
    )
    if incident.personal_data == PersonalData.YES:
        text += " The reporter says personal data may be involved."
    reported = timeline.log(
        incident=incident,
        kind=EventKind.REPORTED,
        actor=actor,
        internal=False,
        text=text,
        at=now,
        audit_action="incident.reported",
        data={
            "reference": incident.reference,
            "title": incident.title,
            "category": category,
            "noticed_at": noticed_at.isoformat(),
            "occurred_at": occurred_at.isoformat() if occurred_at else None,
            "personal_data": incident.personal_data,
            "systems": sorted(system.pk for system in found_systems),
        },
    )
    # Nobody else can be sharing or handling the incident yet: "the security officers" is all of them.
    officers = security_officers_for(incident).exclude(pk=actor.pk)
    timeline.tell(
        incident=incident,
        recipients=officers,
        subject=format_lazy(
            gettext_lazy("New incident {reference}: {title}"),
            reference=incident.reference,
            title=incident.title,
        ),
        body=lazy(_officer_body, str)(incident, found_systems),
        dedup_key=f"incident-reported:{incident.pk}",
        actor=None,  # DPMS tells the officers; the reporter's own line is the report above it
    )
    escalation.on_reported(incident=incident, now=now)  # the untriaged policy runs from the report
    webhooks.emit(
        WebhookEvent.INCIDENT_REPORTED,
        webhook_data(incident),
        event_id=f"incident-reported:{incident.pk}",
    )
    # The files come last: every upload passed its check above, so only a disk error can stop one here, and
    # then the files already written are removed as the transaction rolls back.
    stored = []
    try:
        for upload in uploads:
            stored.append(attachment_add(actor=actor, incident=incident, upload=upload, event=reported))
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return incident


def _officer_body(incident: Incident, systems) -> str:
    """The officers' notice, rendered lazily: each recipient reads it in their own language."""
    lines = [
        _("%(reporter)s reported %(reference)s: %(title)s")
        % {"reporter": incident.reported_by, "reference": incident.reference, "title": incident.title},
        _("Category: %(category)s") % {"category": incident.get_category_display()},
        _("Noticed: %(moment)s") % {"moment": _local(incident.noticed_at)},
    ]
    if incident.occurred_at:
        lines.append(_("Happened: %(moment)s") % {"moment": _local(incident.occurred_at)})
    lines.append(_("Personal data involved: %(answer)s") % {"answer": incident.get_personal_data_display()})
    if systems:
        lines.append(_("Systems: %(systems)s") % {"systems": ", ".join(system.name for system in systems)})
    description = incident.description
    if len(description) > 1000:
        description = description[:1000] + " …"
    lines += ["", description, "", _("Please triage it.")]
    return "\n".join(lines)
