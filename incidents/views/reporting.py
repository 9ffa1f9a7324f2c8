"""Pages of the reporter: report an incident (linked from every page's header), my incidents, the download of
an attachment, and the dashboard panel of my open incidents."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dpms import charts
from dpms.downloads import sandboxed_download
from dpms.forms import add_service_errors
from incidents.choices import OPEN_STATUSES, Status
from incidents.forms.reporting import IncidentReportForm
from incidents.queries import reporting as queries
from incidents.queries.attachments import get_attachment_for_download
from incidents.queries.visibility import can_report
from incidents.services.reporting import incident_report

PAGE_SIZE = 50
PANEL_SIZE = 5


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    """Anyone signed in reports what happened; the reference is shown on the incident's page."""
    if not can_report(request.user):
        raise PermissionDenied(_("Sign in to report an incident."))
    if request.method != "POST":
        return render(request, "incidents/reporting/form.html", {"form": IncidentReportForm()})
    form = IncidentReportForm(request.POST, request.FILES)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            incident = incident_report(actor=request.user, uploads=data.pop("attachments"), **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Reported as %(reference)s. You can follow it here.") % {"reference": incident.reference},
            )
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/reporting/form.html", {"form": form}, status=400)


@login_required
@require_GET
def mine(request):
    """The incidents I reported, newest first. Queries: the count and one page."""
    status = request.GET.get("status", "")
    if status not in (queries.OPEN, *Status.values):
        status = ""  # an unknown status: every incident, as without the filter
    incidents = queries.reported_by(request.user, status=status)
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    status_label = Status(status).label if status and status != queries.OPEN else ""
    query = urlencode({"status": status}) if status else ""
    context = {"page": page, "query": query, "status": status, "status_label": status_label}
    return render(request, "incidents/reporting/mine.html", context)


@login_required
@require_GET
def attachment_download(request, pk):
    """The file, to someone who may see the incident and the file; anyone else gets 404, so nobody learns
    that it exists. Sent as a download with headers that stop a browser from running it (and, like every
    download, from keeping it: dpms.middleware.NoStoreMiddleware)."""
    attachment = get_attachment_for_download(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from the store.")) from None
    return sandboxed_download(handle, filename=attachment.original_name, content_type=attachment.content_type)


def my_incidents_panel(request):
    """Dashboard panel for people who reported incidents: their latest open ones and a link to report.
    One query; no panel for someone who never reported anything."""
    user = request.user
    if not user.is_authenticated:
        return None
    latest = queries.latest_reported_by(user, PANEL_SIZE + 1)
    if not latest:
        return None
    open_ones = [incident for incident in latest if incident.open]
    counts = queries.open_counts_by_status(user) if open_ones else {}
    mine_url = reverse("incidents:mine")
    bars = [
        charts.Bar(status.label, counts.get(status, 0), link=f"{mine_url}?{urlencode({'status': status})}")
        for status in OPEN_STATUSES
    ]
    return {
        "title": _("My incidents"),
        "chart": charts.bar_chart(
            slug="my-incidents", title=_("Incidents you reported that are open, by status"), bars=bars
        )
        if open_ones
        else None,
        "bars": bars if open_ones else [],
        "open_count": sum(counts.values()),
        "open_link": f"{mine_url}?status={queries.OPEN}",
        "incidents": open_ones[:PANEL_SIZE],
        "more": len(open_ones) > PANEL_SIZE,
        "empty": _("None of your incidents is open."),
        "link": reverse("incidents:mine"),
        "report_link": reverse("incidents:report"),
    }


urlpatterns = [
    path("report/", report, name="report"),
    path("mine/", mine, name="mine"),
    path("attachments/<int:pk>/", attachment_download, name="attachment"),
]
