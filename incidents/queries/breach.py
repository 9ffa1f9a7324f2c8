"""Reads of the breach area: who sees the running clocks and the breach register, the running clocks
nearest first, the breaches a person may see, and whether the authority was told in time."""

from django.conf import settings
from django.db.models import Case, CharField, DateTimeField, F, Q, Value, When

from dpms.models import User
from incidents.choices import AuthorityDecision, Status
from incidents.models import Incident
from incidents.queries.visibility import incidents_with_internal_for_user


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
