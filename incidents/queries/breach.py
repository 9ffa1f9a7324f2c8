"""Reads of the breach area: who sees the running clocks and the breach register, the running clocks
nearest first, the breaches a person may see, and whether the authority was told in time."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, DateTimeField, F, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from dpms.models import User
from incidents.choices import AuthorityDecision, Category, Severity, Status, SubjectsDecision
from incidents.models import Incident, PdfExport
from incidents.queries.visibility import (
    can_see,
    get_incident_for_user,
    incidents_with_internal_for_user,
    sees_internal,
)


def sees_running_clocks(user) -> bool:
    """The running-clocks panel is the security officers'."""
    return user.is_authenticated and user.is_security_officer


def can_open_register(user) -> bool:
    return user.is_authenticated and (user.is_security_officer or user.is_auditor)


def breaches_for(user, *, with_people: bool = False):
    """Every personal-data breach ``user`` may see (auditors: all), the latest awareness first;
    ``with_people``: with the handler and who recorded each decision (the CSV's columns)."""
    breaches = incidents_with_internal_for_user(user).filter(is_breach=True).order_by("-aware_at", "-pk")
    if with_people:
        breaches = breaches.select_related(
            "handler", "breach_marked_by", "authority_decided_by", "subjects_decided_by"
        )
    return breaches


def on_time(incident: Incident, now) -> str:
    """Was the authority told within 72 hours: yes, no, pending (clock running), or "not required". For a
    breach: its awareness time, hence its deadline, is set."""
    deadline, notified = incident.authority_deadline, incident.authority_notified_at
    assert deadline is not None, "a breach has an authority deadline"
    if incident.authority_decision == AuthorityDecision.NOTIFIED:
        return "yes" if notified is not None and notified <= deadline else "no"
    if incident.authority_decision == AuthorityDecision.NOT_REQUIRED:
        return "not required"
    return "no" if now > deadline else "pending"


def deciders(incident: Incident) -> dict[int, User]:
    """Who marked the breach and recorded its decisions, by id: one query for all of them (none when nobody
    did)."""
    ids = {incident.breach_marked_by_id, incident.authority_decided_by_id, incident.subjects_decided_by_id}
    ids.discard(None)
    return User.objects.in_bulk(ids) if ids else {}


def running_clocks(user):
    """The incidents ``user`` may see whose authority clock runs or (with NIS2) a NIS2 report is due, with
    ``next_deadline`` and which clock it is (``next_clock``), nearest first. One query."""
    authority_running = Q(is_breach=True, authority_decision="")
    nis2: Case | Value
    nis2_kind: Case | Value
    authority = Case(
        When(authority_running, then=F("authority_deadline")), default=None, output_field=DateTimeField()
    )
    wanted = authority_running
    if settings.NIS2_ENABLED:
        significant = Q(nis2_significant=True)
        early = significant & Q(nis2_early_warning_at=None, nis2_notification_at=None)
        notification = significant & Q(nis2_notification_at=None)
        final = significant & Q(nis2_final_report_at=None, nis2_final_report_deadline__isnull=False)
        nis2 = Case(
            When(early, then=F("nis2_early_warning_deadline")),
            When(notification, then=F("nis2_notification_deadline")),
            When(final, then=F("nis2_final_report_deadline")),
            default=None,
            output_field=DateTimeField(),
        )
        nis2_kind = Case(
            When(early, then=Value("early_warning")),
            When(notification, then=Value("notification")),
            When(final, then=Value("final_report")),
            default=Value(""),
            output_field=CharField(),
        )
        wanted |= notification | final
    else:
        nis2 = Value(None, output_field=DateTimeField())
        nis2_kind = Value("", output_field=CharField())
    return (
        incidents_with_internal_for_user(user)
        .filter(wanted)
        .exclude(status=Status.DISMISSED)
        .annotate(authority_clock=authority, nis2_clock=nis2, nis2_kind=nis2_kind)
        .annotate(
            next_deadline=Case(
                When(authority_clock__isnull=True, then=F("nis2_clock")),
                When(nis2_clock__isnull=True, then=F("authority_clock")),
                When(authority_clock__lte=F("nis2_clock"), then=F("authority_clock")),
                default=F("nis2_clock"),
                output_field=DateTimeField(),
            )
        )
        .only("pk", "reference", "title")
        # Without NIS2 every row's next deadline is its authority deadline: sorting by the column lets the
        # database read the nearest ten from the index of running clocks instead of sorting them all.
        .order_by("next_deadline" if settings.NIS2_ENABLED else "authority_deadline", "pk")
    )


# --- The breach register as CSV (the download, and the PDF that embeds its SHA-256) -----------------------
CSV_HEADER = (
    "reference",
    "title",
    "category",
    "severity",
    "status",
    "handler",
    "reported at",
    "noticed at",
    "marked as breach at",
    "marked by",
    "aware at",
    "awareness reason",
    "facts",
    "nature",
    "effects",
    "remedial action",
    "authority decision",
    "authority notified at",
    "authority reference",
    "not-required reason",
    "deadline",
    "on time",
    "delay reasons",
    "authority decision recorded at",
    "authority decision recorded by",
    "data subjects decision",
    "data subjects reason",
    "data subjects notified at",
    "data subjects decision recorded at",
    "data subjects decision recorded by",
)


def _who(user) -> str:
    return f"{user.full_name} <{user.email}>" if user else ""


def _utc(value):
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def csv_row(incident: Incident, now) -> list:
    """One breach of ``breaches_for(..., with_people=True)`` as a register CSV row (Art. 33(5))."""
    return [
        incident.reference,
        incident.title,
        Category(incident.category).label if incident.category in Category.values else incident.category,
        Severity(incident.severity).label if incident.severity else "",
        Status(incident.status).label,
        _who(incident.handler),
        _utc(incident.reported_at),
        _utc(incident.noticed_at),
        _utc(incident.breach_marked_at),
        _who(incident.breach_marked_by),
        _utc(incident.aware_at),
        incident.aware_at_reason,
        incident.description,
        incident.breach_nature,
        incident.breach_effects,
        incident.breach_remedial_action,
        AuthorityDecision(incident.authority_decision).label if incident.authority_decision else "",
        _utc(incident.authority_notified_at),
        incident.authority_reference,
        incident.authority_not_required_reason,
        _utc(incident.authority_deadline),
        on_time(incident, now),
        incident.authority_delay_reason,
        _utc(incident.authority_decided_at),
        _who(incident.authority_decided_by),
        SubjectsDecision(incident.subjects_decision).label if incident.subjects_decision else "",
        incident.subjects_decision_reason,
        _utc(incident.subjects_notified_at),
        _utc(incident.subjects_decided_at),
        _who(incident.subjects_decided_by),
    ]


# --- PDFs (dpms.pdf): who may see and download one --------------------------------------------------------
def get_pdf_export_for(user, pk):
    """An incidents PDF: an incident's for whoever sees that incident's internal timeline (others 404 when
    they may not see the incident at all, else 403), the breach register's for whoever may open the register
    (others 403)."""
    export = get_object_or_404(PdfExport.objects.select_related("requested_by", "incident"), pk=pk)
    if export.kind == PdfExport.Kind.BREACHES:
        if not can_open_register(user):
            raise PermissionDenied(gettext("The breach register is for security officers and auditors."))
    elif export.incident is None or not sees_internal(user, export.incident):
        if export.incident is None or not can_see(user, export.incident):
            raise Http404(gettext("No such PDF."))
        raise PermissionDenied(gettext("This incident's PDF is for those who see its internal timeline."))
    return export


def get_incident_for_pdf(user, pk) -> Incident:
    """The incident ``user`` asks a PDF of: 404 when they may not see it, 403 when they do not see its
    internal timeline (a reporter's own report)."""
    incident = get_incident_for_user(user, pk)
    if not sees_internal(user, incident):
        raise PermissionDenied(gettext("This incident's PDF is for those who see its internal timeline."))
    return incident
