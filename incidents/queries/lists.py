"""Reads of the incident queue: its filters, and its sorting by the nearest pending deadline.

The nearest deadline is computed by the database (so it sorts and paginates there), as the earliest of:
- ``authority_deadline`` while the GDPR Art. 33 clock runs (a breach with no authority decision yet);
- ``next_escalation_at`` (the next escalation level or repeat that is due);
- each NIS2 deadline that is set and whose report has not been submitted yet.

``Least()`` returns NULL on SQLite as soon as one argument is NULL, while PostgreSQL ignores NULLs; so each
candidate is a ``Case`` that falls back to a far-future sentinel, and ``NullIf`` turns the sentinel back into
"no deadline". Incidents without a deadline sort after those with one on both databases.
"""

from datetime import UTC, datetime

from django.db.models import BooleanField, Case, Count, DateTimeField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Least, Length, NullIf
from django.utils import timezone

from dpms.models import User
from incidents.choices import OPEN_STATUSES, STATUS_ORDER, Status
from incidents.models import Incident
from incidents.queries.visibility import incidents_for_user, incidents_with_internal_for_user, internal_q

NO_DEADLINE = datetime(9999, 1, 1, tzinfo=UTC)  # the sentinel: later than any real deadline

OPEN = "open"  # status filter: everything but closed and dismissed (the default)
ALL = "all"
UNTRIAGED = "untriaged"  # severity filter: no severity yet
ME = "me"  # handler filter: the viewer
NOBODY = "none"  # handler filter: no handler yet

CLOCK_RUNNING = "running"
CLOCK_OVERDUE = "overdue"
CLOCK_MET = "met"
CLOCK_MISSED = "missed"
CLOCK_UNACKNOWLEDGED = "unacknowledged"
CLOCK_STATES = (CLOCK_RUNNING, CLOCK_OVERDUE, CLOCK_MET, CLOCK_MISSED, CLOCK_UNACKNOWLEDGED)

# The pending deadlines: (name shown on the page, deadline field, condition under which it is pending).
PENDING_DEADLINES = (
    ("Authority notification", "authority_deadline", Q(is_breach=True, authority_decision="")),
    ("Escalation", "next_escalation_at", Q()),
    ("NIS2 early warning", "nis2_early_warning_deadline", Q(nis2_early_warning_at__isnull=True)),
    ("NIS2 notification", "nis2_notification_deadline", Q(nis2_notification_at__isnull=True)),
    ("NIS2 final report", "nis2_final_report_deadline", Q(nis2_final_report_at__isnull=True)),
)

_STATUS_RANK = Case(
    *[When(status=status, then=Value(rank)) for rank, status in enumerate([*STATUS_ORDER, Status.DISMISSED])],
    default=Value(99),
    output_field=IntegerField(),
)
# Untriaged first (it needs triage), then SEV1 to SEV4.
_SEVERITY_RANK = Coalesce("severity", Value(0), output_field=IntegerField())
_OPEN_RANK = Case(
    When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
)

DEFAULT_SORT = "deadline"
QUEUE_SORTS = {
    # Nearest deadline first; then open before closed, untriaged before SEV1..SEV4, newest first.
    "deadline": ("deadline_sort", "open_rank", "severity_rank", "-reported_at", "-pk"),
    "reference": (Length("reference"), "reference"),
    "-reference": (Length("reference").desc(), "-reference"),
    "severity": ("severity_rank", "-reported_at", "-pk"),
    "-severity": ("-severity_rank", "-reported_at", "-pk"),
    "status": ("status_rank", "-reported_at", "-pk"),
    "-status": ("-status_rank", "-reported_at", "-pk"),
    "reported": ("reported_at", "pk"),
    "-reported": ("-reported_at", "-pk"),
}


def deadline_expression():
    """The earliest pending deadline of each row, or the sentinel when none is pending."""
    candidates = [
        Case(
            When(condition & Q(**{f"{field}__isnull": False}), then=F(field)),
            default=Value(NO_DEADLINE),
            output_field=DateTimeField(),
        )
        for _label, field, condition in PENDING_DEADLINES
    ]
    return Least(*candidates, output_field=DateTimeField())


def authority_decision_time():
    """When the authority decision took effect: the notification time when notified, else the decision."""
    return Coalesce("authority_notified_at", "authority_decided_at", output_field=DateTimeField())


def annotate_queue(incidents):
    """The annotations the queue filters and sorts on (computed by the database)."""
    return incidents.annotate(
        deadline_sort=deadline_expression(),
        status_rank=_STATUS_RANK,
        severity_rank=_SEVERITY_RANK,
        open_rank=_OPEN_RANK,
        authority_decided_on=authority_decision_time(),
    ).annotate(
        nearest_deadline=NullIf("deadline_sort", Value(NO_DEADLINE, output_field=DateTimeField())),
    )


def queue_for_user(user):
    """The incidents ``user`` may see, annotated for the queue, with what a row shows fetched with them."""
    internal = internal_q(user)
    shows_internal = (
        Value(True, output_field=BooleanField())  # auditors: everything
        if not internal
        else Case(When(internal, then=Value(True)), default=Value(False), output_field=BooleanField())
    )
    return annotate_queue(incidents_for_user(user).select_related("handler", "reported_by")).annotate(
        shows_internal=shows_internal
    )


def handler_choices(visible_incidents) -> list[tuple[str, str]]:
    """The people handling one of ``visible_incidents``, as filter choices (one query): only handlers of
    incidents the viewer may see are offered, so other names stay private."""
    handlers = (
        User.objects.people()
        .filter(handled_incidents__in=visible_incidents)
        .distinct()
        .order_by("full_name", "email")
    )
    return [(str(person.pk), str(person)) for person in handlers.only("pk", "full_name", "email")]


def sees_handling_filters(viewer, handler_choices) -> bool:
    """The handler and clock filters are for security officers, auditors and handlers: for someone who only
    follows their own reports they would match nothing they can see (clock states are internal)."""
    return bool(
        viewer.is_security_officer
        or viewer.is_auditor
        or any(pk == str(viewer.pk) for pk, _ in handler_choices)
    )


def clock_q(state: str, *, now) -> Q:
    """The incidents in one clock state (see the module's constants); ``now`` decides overdue."""
    running = Q(is_breach=True, authority_decision="")
    decided = Q(is_breach=True) & ~Q(authority_decision="")
    if state == CLOCK_RUNNING:
        return running
    if state == CLOCK_OVERDUE:
        return running & Q(authority_deadline__lt=now)
    if state == CLOCK_MET:
        return decided & Q(authority_decided_on__lte=F("authority_deadline"))
    if state == CLOCK_MISSED:
        return (decided & Q(authority_decided_on__gt=F("authority_deadline"))) | (
            running & Q(authority_deadline__lt=now)
        )
    if state == CLOCK_UNACKNOWLEDGED:
        return Q(severity__isnull=False, acknowledged_at__isnull=True, status__in=OPEN_STATUSES)
    raise ValueError(f"Unknown clock state {state!r}")


def filter_queue(incidents, *, viewer, status="", severity="", handler="", clock="", q="", sort="", now=None):
    """Apply the queue's filters to a queryset from ``queue_for_user``. ``status`` "" means open;
    ``severity`` is 1-4 or "untriaged"; ``handler`` a person's id, "me" or "none"."""
    now = now or timezone.now()
    if status in ("", OPEN):
        incidents = incidents.filter(status__in=OPEN_STATUSES)
    elif status != ALL:
        incidents = incidents.filter(status=status)
    if severity == UNTRIAGED:
        incidents = incidents.filter(severity__isnull=True)
    elif severity:
        incidents = incidents.filter(severity=int(severity))
    if handler == ME:
        incidents = incidents.filter(handler=viewer)
    elif handler == NOBODY:
        incidents = incidents.filter(handler__isnull=True)
    elif handler:
        incidents = incidents.filter(handler_id=int(handler))
    if clock:
        # Clock states are internal: a reporter cannot learn through the filter that theirs is a breach.
        incidents = incidents.filter(clock_q(clock, now=now) & internal_q(viewer))
    if q:
        incidents = incidents.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    return incidents.order_by(*QUEUE_SORTS.get(sort or DEFAULT_SORT, QUEUE_SORTS[DEFAULT_SORT]))


def nearest_deadline_label(incident: Incident) -> str:
    """Which pending deadline ``nearest_deadline`` is (read from the row's loaded fields, no query)."""
    nearest = getattr(incident, "nearest_deadline", None)
    if nearest is None:
        return ""
    pending = {
        "authority_deadline": incident.authority_clock_running,
        "next_escalation_at": True,
        "nis2_early_warning_deadline": incident.nis2_early_warning_at is None,
        "nis2_notification_deadline": incident.nis2_notification_at is None,
        "nis2_final_report_deadline": incident.nis2_final_report_at is None,
    }
    for label, field, _condition in PENDING_DEADLINES:
        if pending[field] and getattr(incident, field) == nearest:
            return label
    return ""


def open_counts(user) -> dict:
    """The dashboard panel's numbers in one aggregate query: open incidents by severity (``untriaged``
    and 1-4), unacknowledged ones, and breaches whose authority clock runs."""
    is_open = Q(status__in=OPEN_STATUSES)
    aggregates = {
        "untriaged": Count("pk", filter=is_open & Q(severity__isnull=True)),
        **{f"sev{n}": Count("pk", filter=is_open & Q(severity=n)) for n in range(1, 5)},
        "unacknowledged": Count("pk", filter=clock_q(CLOCK_UNACKNOWLEDGED, now=None)),
        "running": Count("pk", filter=clock_q(CLOCK_RUNNING, now=None)),
    }
    return incidents_with_internal_for_user(user).aggregate(**aggregates)
