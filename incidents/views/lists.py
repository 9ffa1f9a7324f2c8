"""Pages of the incident lists: the queue (filters, nearest deadline first), the metrics page, the top nav
link and the security officer's "Open incidents" dashboard panel."""

import html
from datetime import UTC, timedelta
from functools import partial
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import get_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dpms import charts
from dpms.links import url_for_any_pk
from dpms.paging import query_without_page
from incidents.choices import OPEN_STATUSES, Severity, Status
from incidents.forms.lists import MetricsPeriodForm, QueueFilterForm
from incidents.queries import lists as queries
from incidents.queries.metrics import can_see_metrics, incident_metrics, last_months, monthly_trend
from incidents.queries.visibility import incidents_for_user

PAGE_SIZE = 50
NO_DATA = "—"
# The sortable columns of the queue (their sort keys); a second click on a column reverses it.
SORTABLE = ("reference", "severity", "status", "reported")


def human_duration(delta: timedelta | None) -> str:
    """ "45 min", "2 h 15 min", "3 d 4 h"; "—" when there is nothing to show."""
    if delta is None:
        return NO_DATA
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 1:
        return "< 1 min"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def countdown_words() -> dict[str, str]:
    """The words of a countdown in the active language, read once a page: its text (``countdown_text``) and
    the ``data-text-*`` attributes static/js/dpms.js writes it again from."""
    return {
        "left": _("%(span)s left"),
        "overdue": _("Overdue by %(span)s"),
        "days": _("%(days)s d %(hours)s h"),
        "hours": _("%(hours)s h %(minutes)s min"),
    }


def countdown_text(deadline, now, words: dict[str, str] | None = None) -> str:
    """The server-side text of a countdown, in the format static/js/dpms.js keeps current: "61 h 12 min
    left", "Overdue by 3 h 5 min" (whole minutes, rounded down); days and hours past 96 hours. ``words``:
    ``countdown_words()``, when the caller has them."""
    words = words or countdown_words()
    left = (deadline - now).total_seconds()
    minutes = int(abs(left) // 60)
    hours = minutes // 60
    if hours >= 96:
        span = words["days"] % {"days": hours // 24, "hours": hours % 24}
    else:
        span = words["hours"] % {"hours": hours, "minutes": minutes % 60}
    return (words["left"] if left >= 0 else words["overdue"]) % {"span": span}


def _sort_links(request, current: str) -> dict:
    """Per column: the URL sorting by it (reversed when it is the current sort) and its aria-sort value."""
    links = {}
    for column in SORTABLE:
        key = f"-{column}" if current == column else column
        direction = "ascending" if current == column else "descending" if current == f"-{column}" else ""
        links[column] = {"url": f"?{query_without_page(request, sort=key)}", "aria": direction}
    deadline = current in ("", queries.DEFAULT_SORT)
    links["deadline"] = {
        "url": f"?{query_without_page(request, sort=queries.DEFAULT_SORT)}",
        "aria": "ascending" if deadline else "",
    }
    return links


STATUS_LABELS = dict(Status.choices)

# The format characters a queue row's times use, written here as django.utils.dateformat writes them; any
# other character of a language's DATETIME_FORMAT is left to dateformat.
_QUICK_FORMATS = {
    "j": lambda moment: str(moment.day),
    "d": lambda moment: f"{moment.day:02d}",
    "n": lambda moment: str(moment.month),
    "m": lambda moment: f"{moment.month:02d}",
    "Y": lambda moment: f"{moment.year:04d}",
    "y": lambda moment: f"{moment.year % 100:02d}",
    "G": lambda moment: str(moment.hour),
    "H": lambda moment: f"{moment.hour:02d}",
    "i": lambda moment: f"{moment.minute:02d}",
    "s": lambda moment: f"{moment.second:02d}",
}


def _dateformat_char(char: str, moment) -> str:
    return str(getattr(dateformat.DateFormat(moment), char)())


class RowTimes:
    """Instants as queue rows show them in the viewer's time zone: ``iso`` (ISO 8601, the ``date:"c"``
    filter), ``text`` (the active language's ``DATETIME_FORMAT``, "2 Dec 2026, 14:05" or "2.12.2026 14:05")
    and ``title`` (the same with the zone), each from one conversion. The format is read and split once a
    page, and the month names translated once a page (tests hold the texts equal to the date filter's):
    the filter and ``dateformat.format`` do both again for every value, a good part of a page of rows."""

    def __init__(self, zone):
        self.zone = zone
        self.format = get_format("DATETIME_FORMAT")  # the active language's, read once a page
        self._months: dict[int, str] = {}
        self._parts = []
        for position, piece in enumerate(dateformat.re_formatchars.split(str(self.format))):
            if position % 2 == 0:
                if piece:
                    self._parts.append(dateformat.re_escaped.sub(r"\1", piece))
            elif piece in _QUICK_FORMATS:
                self._parts.append(_QUICK_FORMATS[piece])
            elif piece == "M":
                self._parts.append(self._month)
            else:
                self._parts.append(partial(_dateformat_char, piece))

    def _month(self, moment) -> str:
        """The month's three letters ("Dec", "Dez"), as ``dateformat``'s "M"."""
        month = self._months.get(moment.month)
        if month is None:
            month = self._months[moment.month] = MONTHS_3[moment.month].title()
        return month

    def text(self, local) -> str:
        return "".join(part if isinstance(part, str) else part(local) for part in self._parts)

    def moment(self, value) -> dict | None:
        if value is None:
            return None
        local = value.astimezone(self.zone)
        return {"iso": local.isoformat(), "text": self.text(local)}

    def title(self, value) -> str:
        """With the zone's abbreviation (CET, CEST), right in the hour a clock change repeats too."""
        local = value.astimezone(self.zone)
        return f"{self.text(local)} {local.tzname() or ''}"


def _html(text) -> SafeString:
    """``text`` escaped as the template escapes a value (``django.utils.html.escape``), here once: a row's
    values are then printed as they are, where the template's escaping of each took three times as long as
    printing it (a thousand values a page)."""
    return SafeString(html.escape(str(text)))


def _row_words() -> dict:
    """The words every row of the queue repeats, translated (and escaped) once a page, not once a row: the
    column names phones show beside each cell, the tags, and the countdown's words for static/js/dpms.js."""
    words = {
        "reference": _("Reference"),
        "title": _("Title"),
        "severity": _("Severity"),
        "status": _("Status"),
        "handler": _("Handler"),
        "acknowledged": _("Acknowledged"),
        "nearest_deadline": _("Nearest deadline"),
        "reported": _("Reported"),
        "breach": _("Personal-data breach"),
        "confidential": _("Confidential"),
        "not_yet": _("Not yet"),
        **countdown_words(),
    }
    return {key: _html(text) for key, text in words.items()}


def _queue_rows(incidents, *, now) -> list[dict]:
    """What each row of the queue shows (``queue.html``), worked out once in Python from the rows read
    (``queries.queue_rows``, no query): its words in the reader's language, its link, times and nearest
    deadline, escaped for the page. The template language did the same work several times slower (a lookup, a
    filter, a translation and the escaping per value, a ``reverse`` and a date format per row)."""
    detail_url = url_for_any_pk("incidents:detail")
    times = RowTimes(timezone.get_current_timezone())
    statuses = {value: _html(label) for value, label in Status.choices}
    severities = {value: _html(label) for value, label in Severity.choices}
    untriaged, no_data = _html(_("Untriaged")), _html(NO_DATA)
    deadline_labels = queries.deadline_labels()
    countdown = countdown_words()

    def moment(value) -> dict | None:
        if value is None:
            return None
        local = value.astimezone(times.zone)
        # ISO 8601 holds nothing to escape.
        return {"iso": SafeString(local.isoformat()), "text": _html(times.text(local))}

    rows = []
    for incident in incidents:
        # The clocks are internal: a reporter sees no deadline.
        internal = incident["shows_internal"]
        label, deadline = queries.nearest_deadline_of(incident, deadline_labels) if internal else ("", None)
        severity, status = incident["severity"], incident["status"]
        # A person is shown by their name, or their email address without one (as ``str(user)``).
        handler = incident["handler__full_name"] or incident["handler__email"]
        row = {
            "reference": _html(incident["reference"]),
            "title": _html(incident["title"]),
            "url": _html(detail_url(incident["pk"])),
            "breach": incident["is_breach"] and internal,
            "confidential": incident["confidential"],
            "severity": SafeString(severity) if severity else "none",
            "severity_label": (severities.get(severity) or _html(severity)) if severity else untriaged,
            "status_label": statuses.get(status) or _html(status),
            "handler": _html(handler) if incident["handler"] else no_data,
            "acknowledged": moment(incident["acknowledged_at"]),
            "not_acknowledged": bool(severity) and status in OPEN_STATUSES,  # Incident.is_open
            "reported": moment(incident["reported_at"]),
            "reported_by": _html(incident["reported_by__full_name"] or incident["reported_by__email"]),
            "deadline": deadline,
        }
        if deadline is not None:
            row["deadline_label"] = _html(label)
            row["deadline_text"] = _html(countdown_text(deadline, now, countdown))
            # UTC, whole seconds: what the countdown script parses everywhere (nothing to escape).
            row["deadline_iso"] = SafeString(deadline.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            row["deadline_overdue"] = deadline <= now
            row["deadline_title"] = _html(times.title(deadline))
        rows.append(row)
    return rows


def _queue_page(request, incidents, now) -> Page:
    """The page asked for, in two steps: its ids, sorted and sliced by the database (the count and the ids
    read no row), then those rows as values (``queries.queue_rows``); three queries. The page's
    ``object_list`` is the rows as the template shows them (``_queue_rows``)."""
    ids_page = Paginator(incidents.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    ids = list(ids_page.object_list)
    by_pk = queries.queue_rows(incidents, ids, viewer=request.user) if ids else {}
    rows = _queue_rows([by_pk[pk] for pk in ids if pk in by_pk], now=now)
    return Page(rows, ids_page.number, ids_page.paginator)


@login_required
@require_GET
def queue(request):
    """Every signed-in person's view of the incidents they may see, nearest deadline first."""
    form = QueueFilterForm(request.GET or None, viewer=request.user)
    incidents = incidents_for_user(request.user)
    now = timezone.now()
    if form.is_bound and not form.is_valid():
        incidents = incidents.none()
    else:
        incidents = queries.filter_queue(incidents, viewer=request.user, now=now, **form.filters())
    sort = form.cleaned_data.get("sort", "") if form.is_bound and form.is_valid() else ""
    context = {
        "form": form,
        "page": _queue_page(request, incidents, now),
        "words": _row_words(),
        "query": query_without_page(request),
        "sort_links": _sort_links(request, sort),
        "now": now,
    }
    return render(request, "incidents/lists/queue.html", context)


def _durations_text(durations) -> dict:
    return {
        "count": durations.count,
        "median": human_duration(durations.median),
        "p90": human_duration(durations.p90),
        "mean": human_duration(durations.mean),
    }


@login_required
@require_GET
def metrics(request):
    """Time to acknowledge and to resolve per severity, open incidents, clocks met and missed."""
    if not can_see_metrics(request.user):
        raise PermissionDenied(_("The incident metrics are for security officers and auditors."))
    form = MetricsPeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "incidents/lists/metrics.html", {"form": form, "metrics": None}, status=400)
    start, end = form.period()
    data = incident_metrics(request.user, start=start, end=end)
    for row in data["severities"]:
        row["acknowledge_text"] = _durations_text(row["acknowledge"])
        row["resolve_text"] = _durations_text(row["resolve"])
    queue_url = reverse("incidents:queue")
    for line in data["open"]["by_severity"]:
        line["link"] = f"{queue_url}?{urlencode({'severity': line['severity']})}"
    # The period month by month (one more query): the MTTA/MTTR trend and the clocks, as on the dashboard.
    data["trend"] = trend_charts(monthly_trend(request.user, start=start, end=end), slug="metrics")
    return render(request, "incidents/lists/metrics.html", {"form": form, "metrics": data})


urlpatterns = [
    path("", queue, name="queue"),
    path("metrics/", metrics, name="metrics"),
]


def open_incidents_panel(request):
    """Dashboard panel for security officers and auditors: open incidents by severity, unacknowledged ones
    and running breach clocks, each linking to the queue filtered (one aggregate query)."""
    if not can_see_metrics(request.user):
        return None
    counts = queries.open_counts(request.user)
    queue_url = reverse("incidents:queue")
    severities = [
        (str(severity.value), severity.label, counts[f"sev{severity.value}"]) for severity in Severity
    ]
    severities.append((queries.UNTRIAGED, _("Untriaged"), counts["untriaged"]))
    lines = [
        {"text": f"{label}: {count}", "link": f"{queue_url}?{urlencode({'severity': key})}"}
        for key, label, count in severities
    ]
    lines.append(
        {
            "text": _("Not acknowledged: %(count)s") % {"count": counts["unacknowledged"]},
            "link": f"{queue_url}?{urlencode({'clock': queries.CLOCK_UNACKNOWLEDGED})}",
        }
    )
    lines.append(
        {
            "text": _("Breach clocks running: %(count)s") % {"count": counts["running"]},
            "link": f"{queue_url}?{urlencode({'clock': queries.CLOCK_RUNNING, 'status': queries.ALL})}",
        }
    )
    bars = [
        charts.Bar(
            label, count, link=line["link"], key="untriaged" if key == queries.UNTRIAGED else f"sev{key}"
        )
        for (key, label, count), line in zip(severities, lines, strict=False)
    ]
    return {
        "title": _("Open incidents"),
        "count": sum(count for _key, _label, count in severities),
        "chart": charts.bar_chart(
            slug="open-incidents", title=_("Open incidents by severity"), bars=bars, x_title=_("Severity")
        ),
        "lines": lines,
        "link": queue_url,
        "link_label": _("Open the queue"),
    }


def trend_charts(trend: list[dict], *, slug: str) -> dict:
    """The month-by-month pictures of ``incident_metrics.monthly_trend``: mean time to acknowledge and to
    resolve (hours; a gap for a month with none), and the authority clocks met and missed."""
    months = [f"{MONTHS_3[row['month'].month].title()} {row['month']:%y}" for row in trend]
    short = [MONTHS_3[row["month"].month].title() for row in trend]

    def hours(value):
        return round(value.total_seconds() / 3600, 1) if value is not None else None

    durations = charts.line_chart(
        slug=f"{slug}-mttr",
        title=_("Mean time to acknowledge and to resolve, hours, by month reported"),
        x_labels=short,
        series=[
            (charts.Series("acknowledge", _("Acknowledge")), [hours(row["acknowledge"]) for row in trend]),
            (charts.Series("resolve", _("Resolve")), [hours(row["resolve"]) for row in trend]),
        ],
        texts=[
            [human_duration(row["acknowledge"]) for row in trend],
            [human_duration(row["resolve"]) for row in trend],
        ],
        long_labels=months,
        label_every=2 if len(trend) > 8 else 1,
        x_title=_("Month"),
    )
    met, missed = charts.Series("met", _("Met")), charts.Series("missed", _("Missed"))
    queue_url = reverse("incidents:queue")

    def clock_link(state, row):
        query = {
            "clock": state,
            "status": queries.ALL,
            "reported_from": row["start"],
            "reported_to": row["end"],
        }
        return f"{queue_url}?{urlencode(query)}"

    clocks = charts.stacked_bar_chart(
        slug=f"{slug}-clocks",
        title=_("GDPR authority deadlines met and missed, by month reported"),
        series=[met, missed],
        columns=[
            charts.Column(
                label,
                long_label=long,
                segments=[
                    charts.Segment(met, row["met"], link=clock_link(queries.CLOCK_MET, row)),
                    charts.Segment(missed, row["missed"], link=clock_link(queries.CLOCK_MISSED, row)),
                ],
            )
            for label, long, row in zip(short, months, trend, strict=True)
        ],
        x_title=_("Month"),
    )
    clocks.empty_text = _("No personal-data breach was reported in these months.")
    durations.empty_text = _("No incident was acknowledged in these months.")
    return {"durations": durations, "clocks": clocks}


def trend_panel(request):
    """Dashboard panel for security officers and auditors: the last twelve months of MTTA and MTTR, and the
    authority clocks met and missed; each number links to the queue or the metrics page behind it. One
    grouped query."""
    if not can_see_metrics(request.user):
        return None
    start, end = last_months()
    trend = monthly_trend(request.user, start=start, end=end)
    queue_url, metrics_url = reverse("incidents:queue"), reverse("incidents:metrics")
    period = {"reported_from": start, "reported_to": end, "status": queries.ALL}
    latest = trend[-1]
    return {
        "title": _("Incident handling, last 12 months"),
        "charts": trend_charts(trend, slug="dashboard"),
        "met": sum(row["met"] for row in trend),
        "missed": sum(row["missed"] for row in trend),
        "met_link": f"{queue_url}?{urlencode({'clock': queries.CLOCK_MET, **period})}",
        "missed_link": f"{queue_url}?{urlencode({'clock': queries.CLOCK_MISSED, **period})}",
        "latest": latest,
        "latest_acknowledge": human_duration(latest["acknowledge"]),
        "latest_resolve": human_duration(latest["resolve"]),
        "latest_link": f"{metrics_url}?{urlencode({'from': latest['start'], 'to': latest['end']})}",
        "metrics_link": f"{metrics_url}?{urlencode({'from': start, 'to': end})}",
    }


# --- The header's search: incidents by reference or title (dpms.search, registered in incidents.apps) -----
def search_incidents(user, term: str, *, limit: int) -> list[dict]:
    return [
        {
            "title": f"{incident.reference} {incident.title}",
            "detail": STATUS_LABELS.get(incident.status, incident.status),
            "url": reverse("incidents:detail", args=[incident.pk]),
        }
        for incident in queries.incidents_matching(user, term, limit=limit)
    ]


def incidents_list_url(term: str) -> str:
    return f"{reverse('incidents:queue')}?{urlencode({'q': term, 'status': queries.ALL})}"
