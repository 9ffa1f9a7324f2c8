"""Reads of the incident queue: its filters, and its sorting by the nearest pending deadline.

The nearest deadline is computed by the database (so it sorts and paginates there), as the earliest of:
- ``authority_deadline`` while the GDPR Art. 33 clock runs (a breach with no authority decision yet);
- ``next_escalation_at`` (the next escalation level or repeat that is due);
- each NIS2 deadline that is set and whose report has not been submitted yet.

The expressions are ``incidents.models.nearest_deadline_sort``, ``open_rank`` and ``severity_rank``: the
default order is indexed on them, so the first page comes from the index, not from sorting every incident.
Incidents without a deadline (the far-future sentinel ``NO_DEADLINE``) sort after those with one. The rows
shown work out their nearest deadline again from their loaded fields (``nearest_deadline``).
"""

from collections.abc import Mapping
from datetime import datetime, time, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Length
from django.utils import timezone

from dpms.models import User
from incidents.choices import OPEN_STATUSES, STATUS_ORDER, Status
from incidents.models import (
    PENDING_DEADLINES,
    Incident,
    nearest_deadline_sort,
    open_rank,
    severity_rank,
)
from incidents.queries.visibility import incidents_for_user, incidents_with_internal_for_user, internal_q

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

_STATUS_RANK = Case(
    *[When(status=status, then=Value(rank)) for rank, status in enumerate([*STATUS_ORDER, Status.DISMISSED])],
    default=Value(99),
    output_field=IntegerField(),
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


def authority_decision_time():
    """When the authority decision took effect: the notification time when notified, else the decision."""
    return Coalesce("authority_notified_at", "authority_decided_at", output_field=DateTimeField())


# The expressions the queue filters and sorts on, computed by the database; aliases, not annotations (the
# page's ids are sorted by them, its rows do not read them), and each built only when the filters or the
# order at hand use it: building them is a good part of a page's Python time.
QUEUE_ALIASES = {
    "deadline_sort": nearest_deadline_sort,
    "status_rank": lambda: _STATUS_RANK,
    "severity_rank": severity_rank,
    "open_rank": open_rank,
    "authority_decided_on": authority_decision_time,
}


def with_aliases(incidents, names):
    """``incidents`` with the ``QUEUE_ALIASES`` among ``names`` (sort keys, maybe "-" first)."""
    wanted = {name.lstrip("-") for name in names if isinstance(name, str)} & QUEUE_ALIASES.keys()
    if not wanted:
        return incidents
    return incidents.alias(**{name: QUEUE_ALIASES[name]() for name in sorted(wanted)})


# What a queue row shows (the template, ``nearest_deadline``): the rows read these columns only.
QUEUE_ROW_FIELDS = (
    "reference",
    "title",
    "status",
    "severity",
    "confidential",
    "is_breach",
    "acknowledged_at",
    "reported_at",
    "authority_decision",
    *(field for _label, field, _condition in PENDING_DEADLINES),
    "nis2_early_warning_at",
    "nis2_notification_at",
    "nis2_final_report_at",
    "handler__full_name",
    "handler__email",
    "reported_by__full_name",
    "reported_by__email",
)


def queue_for_user(user):
    """The incidents ``user`` may see, ready for ``filter_queue``, with what a row shows fetched with them:
    page it with ``dpms.paging.deferred_page`` (the count and the sorted ids read no row)."""
    rows = incidents_for_user(user).select_related("handler", "reported_by").only(*QUEUE_ROW_FIELDS)
    return rows.annotate(shows_internal=_shows_internal(user))


# What a row of the queue page shows (``incidents.views.lists._queue_rows``), read as values, not models.
QUEUE_ROW_VALUES = (
    "pk",
    *(field for field in QUEUE_ROW_FIELDS if "__" not in field),
    "handler",
    "handler__full_name",
    "handler__email",
    "reported_by__full_name",
    "reported_by__email",
)


def _shows_internal(user):
    """Whether ``user`` sees an incident's internal side, as an expression per row (``internal_q``)."""
    internal = internal_q(user)
    if not internal:  # auditors: everything
        return Value(True, output_field=BooleanField())
    return Case(When(internal, then=Value(True)), default=Value(False), output_field=BooleanField())


def queue_rows(incidents, ids, *, viewer) -> dict[int, dict]:
    """The incidents ``ids`` among ``incidents`` (``incidents_for_user(viewer)``, filtered: what the page
    found them in), by id, as ``QUEUE_ROW_VALUES`` and ``shows_internal``: one query for a page of the queue
    whose ids ``filter_queue`` sorted and sliced. Values, not models: a page's 50 incidents and their 100
    people cost more to build as models than to read."""
    rows = incidents.order_by().filter(pk__in=ids).annotate(shows_internal=_shows_internal(viewer))
    return {row["pk"]: row for row in rows.values(*QUEUE_ROW_VALUES, "shows_internal")}


def queue_handlers(viewer):
    """The people the handler filter may name: those handling an incident ``viewer`` may see, so the filter
    tells nobody who handles the others. Typed, not listed: read only when the filter names someone."""
    handles = incidents_for_user(viewer).filter(handler=OuterRef("pk"))
    return User.objects.people().filter(Exists(handles)).order_by("full_name", "email")


def sees_handling_filters(viewer) -> bool:
    """The handler and clock filters are for security officers, auditors and handlers: for someone who only
    follows their own reports they would match nothing they can see (clock states are internal). No query
    for officers and auditors; one for anyone else."""
    return bool(
        viewer.is_security_officer or viewer.is_auditor or Incident.objects.filter(handler=viewer).exists()
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


def filter_queue(
    incidents,
    *,
    viewer,
    status="",
    severity="",
    handler="",
    clock="",
    q="",
    reported_from=None,
    reported_to=None,
    sort="",
    now=None,
):
    """Apply the queue's filters to a queryset from ``queue_for_user``. ``status`` "" means open;
    ``severity`` is 1-4 or "untriaged"; ``handler`` a person (or their id), "me" or "none";
    ``reported_from`` and ``reported_to`` calendar days in the current time zone, both included."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    if reported_from:
        since = datetime.combine(reported_from, time.min, tzinfo=tz)
        incidents = incidents.filter(reported_at__gte=since)
    if reported_to:
        until = datetime.combine(reported_to + timedelta(days=1), time.min, tzinfo=tz)
        incidents = incidents.filter(reported_at__lt=until)
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
    elif isinstance(handler, User):
        incidents = incidents.filter(handler=handler)
    elif handler:
        incidents = incidents.filter(handler_id=int(handler))
    if clock:
        # Clock states are internal: a reporter cannot learn through the filter that theirs is a breach.
        if clock in (CLOCK_MET, CLOCK_MISSED):
            incidents = with_aliases(incidents, ["authority_decided_on"])
        incidents = incidents.filter(clock_q(clock, now=now) & internal_q(viewer))
    if q:
        incidents = incidents.filter(Q(reference__icontains=q) | Q(title__icontains=q))
    order = QUEUE_SORTS.get(sort or DEFAULT_SORT, QUEUE_SORTS[DEFAULT_SORT])
    return with_aliases(incidents, order).order_by(*order)


def deadline_labels() -> dict[str, str]:
    """Each ``PENDING_DEADLINES`` field's name in the active language (a page of rows reads them once)."""
    return {field: str(label) for label, field, _condition in PENDING_DEADLINES}


# The fields a row's nearest deadline is worked out from.
DEADLINE_FIELDS = (
    "is_breach",
    "authority_decision",
    *(field for _label, field, _condition in PENDING_DEADLINES),
    "nis2_early_warning_at",
    "nis2_notification_at",
    "nis2_final_report_at",
)


def nearest_deadline(incident: Incident, labels: dict[str, str] | None = None) -> tuple[str, datetime | None]:
    """The earliest pending deadline of a loaded row and which it is (the first named of equal ones), or
    ("", None) when none is pending: the order the queue sorts by (``nearest_deadline_sort``), worked out for
    the rows shown (no query). ``labels``: the names from ``deadline_labels``, when the caller has them."""
    return nearest_deadline_of({field: getattr(incident, field) for field in DEADLINE_FIELDS}, labels)


def nearest_deadline_of(row: Mapping, labels: dict[str, str] | None = None) -> tuple[str, datetime | None]:
    """``nearest_deadline`` of a row read as values (``DEADLINE_FIELDS``)."""
    pending = {
        "authority_deadline": row["is_breach"] and not row["authority_decision"],  # the clock runs
        "next_escalation_at": True,
        "nis2_early_warning_deadline": row["nis2_early_warning_at"] is None,
        "nis2_notification_deadline": row["nis2_notification_at"] is None,
        "nis2_final_report_deadline": row["nis2_final_report_at"] is None,
    }
    nearest, earliest = "", None
    for _label, field, _condition in PENDING_DEADLINES:
        when = row[field]
        if when is not None and pending[field] and (earliest is None or when < earliest):
            nearest, earliest = field, when
    if earliest is None:
        return "", None
    return (labels or deadline_labels())[nearest], earliest


def open_counts(user) -> dict:
    """The dashboard panel's numbers: open incidents by severity (``untriaged`` and ``sev1``-``sev4``),
    unacknowledged ones, and breaches whose authority clock runs (whatever their status). One query: the
    open incidents grouped by severity and acknowledged or not, then (UNION ALL) the count of running clocks;
    each part reads an index (``incident_visible_by_status``, ``incident_running_clock``), not every
    incident ever reported, and the few rows are added up here."""
    visible = incidents_with_internal_for_user(user)
    open_groups = (
        visible.filter(status__in=OPEN_STATUSES)
        .values(
            sev=F("severity"),
            unacknowledged=ExpressionWrapper(Q(acknowledged_at__isnull=True), output_field=BooleanField()),
        )
        .annotate(incidents=Count("pk"), running=Value(False, output_field=BooleanField()))
        .order_by()
    )
    running_clocks = (
        visible.filter(clock_q(CLOCK_RUNNING, now=None))
        .values(
            sev=Value(None, output_field=IntegerField()),
            unacknowledged=Value(False, output_field=BooleanField()),
        )
        .annotate(incidents=Count("pk"), running=Value(True, output_field=BooleanField()))
        .order_by()
    )
    counts = dict.fromkeys(["untriaged", "sev1", "sev2", "sev3", "sev4", "unacknowledged", "running"], 0)
    for group in open_groups.union(running_clocks, all=True):
        number, severity = group["incidents"], group["sev"]
        if group["running"]:
            counts["running"] += number
            continue
        key = "untriaged" if severity is None else f"sev{severity}"
        if key in counts:
            counts[key] += number
        if severity is not None and group["unacknowledged"]:
            counts["unacknowledged"] += number
    return counts


def incidents_matching(user, term: str, *, limit: int):
    """Incidents ``user`` may see (``incidents_for_user``, as the queue) whose reference or title holds
    ``term``, newest first; one query (the header's search)."""
    incidents = incidents_for_user(user).filter(Q(reference__icontains=term) | Q(title__icontains=term))
    return list(incidents.only("pk", "reference", "title", "status").order_by("-reported_at", "-pk")[:limit])
