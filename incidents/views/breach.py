"""Pages of the regulatory clocks: the breach section of the incident page and its actions, the security
officers' "Running clocks" dashboard panel, and the breach register (page and CSV, GDPR Art. 33(5)).

Times are stored in UTC and shown in the viewer's time zone (the middleware activates it); every countdown
is rendered by the server (``clock`` in incidents.views.detail, shared with the incident page's header band)
and kept current by static/js/dpms.js (``<time data-countdown>``).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from dpms import pdf
from dpms.csvexport import streaming_csv
from dpms.middleware import without_session_renewal
from dpms.paging import query_without_page
from incidents.choices import AuthorityDecision, Status, SubjectsDecision
from incidents.forms.breach import (
    AuthorityNotifiedForm,
    AuthorityNotRequiredForm,
    AwarenessForm,
    BreachFactsForm,
    BreachMarkForm,
    BreachRegisterFilterForm,
    Nis2RecordForm,
    Nis2SignificantForm,
    SubjectsDecisionForm,
)
from incidents.models import Incident
from incidents.queries import breach as queries
from incidents.queries.visibility import is_only_reporter, is_responder
from incidents.services import breach as services
from incidents.views.detail import AUTHORITY_LABEL, act, clock

PANEL_SIZE = 10
PAGE_SIZE = 50


# --- The section on the incident page ---------------------------------------------------------------------


def _late_by(incident: Incident) -> str:
    """How late the authority was told ("3 h 5 min"), or "" when on time or not (yet) told."""
    notified, deadline = incident.authority_notified_at, incident.authority_deadline
    if not (notified and notified > deadline):
        return ""
    minutes = int((notified - deadline).total_seconds() // 60)
    return gettext("%(hours)s h %(minutes)s min") % {"hours": minutes // 60, "minutes": minutes % 60}


def _nis2(incident: Incident, now) -> dict | None:
    if not settings.NIS2_ENABLED:
        return None
    if not incident.nis2_significant:
        return {"significant": False}
    pending = dict(services.nis2_pending(incident))
    reports = []
    for report, label in services.NIS2_REPORTS.items():
        deadline = getattr(incident, f"nis2_{report}_deadline")
        submitted = getattr(incident, f"nis2_{report}_at")
        reports.append(
            {
                "label": label,
                "deadline": deadline,
                "submitted": submitted,
                "late": bool(submitted and deadline and submitted > deadline),
                "clock": clock(deadline, now) if report in pending else None,
                "moot": report == "early_warning" and not submitted and incident.nis2_notification_at,
            }
        )
    return {"significant": True, "aware_at": incident.nis2_aware_at, "reports": reports, "pending": pending}


def detail_section(request, incident: Incident, bound=None) -> dict:
    """The context of templates/incidents/detail/_breach.html, under ``breach``: nothing for the plain
    reporter; the clock, the decisions and (for responders) the forms. At most two queries: the responder
    check of a confidential incident, and the names of who decided."""
    user, bound, now = request.user, bound or {}, timezone.now()
    responder = is_responder(user, incident)
    if is_only_reporter(user, incident, responder=responder):
        return {"breach": {"show": False}}
    nis2 = _nis2(incident, now)
    context = {
        "show": True,
        "incident": incident,
        "may_change": responder,
        "nis2": nis2,
        "running": incident.authority_clock_running,
    }
    if incident.is_breach:
        people = queries.deciders(incident)
        context |= {
            "marked_by": people.get(incident.breach_marked_by_id),
            "authority_decided_by": people.get(incident.authority_decided_by_id),
            "subjects_decided_by": people.get(incident.subjects_decided_by_id),
            "late_by": _late_by(incident),
            "subjects_label": SubjectsDecision(incident.subjects_decision).label
            if incident.subjects_decision
            else "",
        }
    if responder:
        context["forms"] = _forms(incident, bound, nis2)
    return {"breach": context}


def _forms(incident: Incident, bound: dict, nis2) -> dict:
    """The forms a responder may use now; a form with errors (``bound``) replaces the empty one."""
    forms = {}
    if not incident.is_breach:
        if incident.status != Status.DISMISSED:
            forms["mark_form"] = BreachMarkForm()
    else:
        if incident.authority_clock_running:
            forms["awareness_form"] = AwarenessForm(initial={"aware_at": incident.aware_at})
            forms["not_required_form"] = AuthorityNotRequiredForm()
        if incident.authority_decision != AuthorityDecision.NOTIFIED:
            forms["notified_form"] = AuthorityNotifiedForm()
        forms["subjects_form"] = SubjectsDecisionForm(
            initial={
                "decision": incident.subjects_decision,
                "reason": incident.subjects_decision_reason,
                "notified_at": incident.subjects_notified_at,
            }
        )
        forms["facts_form"] = BreachFactsForm(
            initial={
                "nature": incident.breach_nature,
                "effects": incident.breach_effects,
                "remedial_action": incident.breach_remedial_action,
            }
        )
    if nis2 is not None:
        if not nis2["significant"]:
            forms["nis2_form"] = Nis2SignificantForm()
        elif nis2["pending"]:
            form = Nis2RecordForm()
            form.fields["report"].choices = [
                (report, services.NIS2_REPORTS[report]) for report in nis2["pending"]
            ]
            forms["nis2_record_form"] = form
    for name, form in bound.items():
        if name in forms or name in FORM_NAMES:
            forms[name] = form
    return forms


# --- Actions (POST) ---------------------------------------------------------------------------------------


def _act(request, pk, *, form_class, name: str, call, success: str):
    """The incident page's ``act`` for a breach form: responders only (404 for those who may not see it,
    403 for the others); a refusal about the incident's state is said at the top of the page."""

    def run(incident, form):
        call(incident, form.cleaned_data)
        return success

    return act(
        request,
        pk,
        key=name,
        access="respond",
        form_factory=lambda request, incident: form_class(request.POST),
        run=run,
        refusal_on_top=True,
    )


@login_required
@require_POST
def breach_mark_view(request, pk):
    def call(incident, data):
        services.breach_mark(
            actor=request.user,
            incident=incident,
            aware_at=data["aware_at"],
            aware_at_reason=data["aware_at_reason"],
        )

    return _act(
        request,
        pk,
        form_class=BreachMarkForm,
        name="mark_form",
        call=call,
        success=gettext("Marked as a personal-data breach: the 72-hour clock runs."),
    )


@login_required
@require_POST
def breach_awareness(request, pk):
    def call(incident, data):
        services.breach_set_awareness(
            actor=request.user, incident=incident, aware_at=data["aware_at"], reason=data["reason"]
        )

    return _act(
        request,
        pk,
        form_class=AwarenessForm,
        name="awareness_form",
        call=call,
        success=gettext("Awareness changed; the deadline moved with it."),
    )


@login_required
@require_POST
def breach_authority_notified(request, pk):
    def call(incident, data):
        services.authority_record_notified(actor=request.user, incident=incident, **data)

    return _act(
        request,
        pk,
        form_class=AuthorityNotifiedForm,
        name="notified_form",
        call=call,
        success=gettext("Notification of the supervisory authority recorded; the clock has stopped."),
    )


@login_required
@require_POST
def breach_authority_not_required(request, pk):
    def call(incident, data):
        services.authority_record_not_required(actor=request.user, incident=incident, reason=data["reason"])

    return _act(
        request,
        pk,
        form_class=AuthorityNotRequiredForm,
        name="not_required_form",
        call=call,
        success=gettext("Recorded that the notification is not required; the clock has stopped."),
    )


@login_required
@require_POST
def breach_subjects(request, pk):
    def call(incident, data):
        services.subjects_record_decision(actor=request.user, incident=incident, **data)

    return _act(
        request,
        pk,
        form_class=SubjectsDecisionForm,
        name="subjects_form",
        call=call,
        success=gettext("Decision on telling the data subjects recorded."),
    )


@login_required
@require_POST
def breach_facts(request, pk):
    def call(incident, data):
        services.breach_record_facts(actor=request.user, incident=incident, **data)

    return _act(
        request,
        pk,
        form_class=BreachFactsForm,
        name="facts_form",
        call=call,
        success=gettext("Breach facts saved."),
    )


def _require_nis2() -> None:
    if not settings.NIS2_ENABLED:
        raise Http404("NIS2 reporting is not enabled in this installation.")


@login_required
@require_POST
def nis2_significant(request, pk):
    _require_nis2()

    def call(incident, data):
        services.nis2_mark_significant(
            actor=request.user, incident=incident, aware_at=data["aware_at"], reason=data["reason"]
        )

    return _act(
        request,
        pk,
        form_class=Nis2SignificantForm,
        name="nis2_form",
        call=call,
        success=gettext(
            "Marked as a significant incident under NIS2: the early warning is due within 24 hours."
        ),
    )


@login_required
@require_POST
def nis2_record(request, pk):
    _require_nis2()

    def call(incident, data):
        services.nis2_record(actor=request.user, incident=incident, report=data["report"], at=data["at"])

    return _act(
        request,
        pk,
        form_class=Nis2RecordForm,
        name="nis2_record_form",
        call=call,
        success=gettext("NIS2 report recorded."),
    )


FORM_NAMES = (
    "mark_form",
    "awareness_form",
    "notified_form",
    "not_required_form",
    "subjects_form",
    "facts_form",
    "nis2_form",
    "nis2_record_form",
)


# --- Dashboard panel: running clocks ----------------------------------------------------------------------


def clocks_panel(request):
    """Dashboard panel for security officers: the running clocks, nearest deadline first (2 queries); nothing
    (and no query) for anyone else."""
    user = request.user
    if not queries.sees_running_clocks(user):
        return None
    rows = queries.running_clocks(user)
    total = rows.count()
    now = timezone.now()
    lines = []
    for incident in rows[:PANEL_SIZE] if total else ():
        if incident.authority_clock is not None and incident.next_deadline == incident.authority_clock:
            label = AUTHORITY_LABEL
        else:
            label = services.NIS2_REPORTS.get(incident.nis2_kind, gettext("NIS2 report"))
        lines.append(
            {
                "incident": incident,
                "link": reverse("incidents:detail", args=[incident.pk]),
                "clock": clock(incident.next_deadline, now, label),
            }
        )
    return {
        "title": gettext("Running clocks"),
        "count": total,
        "lines": lines,
        "more": max(total - len(lines), 0),
    }


# --- The breach register (Art. 33(5)) ---------------------------------------------------------------------


def _check_register_access(user) -> None:
    if not queries.can_open_register(user):
        raise PermissionDenied(gettext("The breach register is for security officers and auditors."))


CSV_HEADER = queries.CSV_HEADER  # the breach register CSV (and the PDF that embeds its hash) writes these
_csv_row = queries.csv_row


@login_required
@require_GET
def breach_register(request):
    """The breach register as CSV: every personal-data breach, notified or not (one query, streamed)."""
    _check_register_access(request.user)
    now = timezone.now()
    breaches = queries.breaches_for(request.user, with_people=True)
    rows = (_csv_row(incident, now) for incident in breaches.iterator(chunk_size=1000))
    return streaming_csv(name="breaches", header=CSV_HEADER, rows=rows)


@login_required
@require_GET
def breach_register_page(request):
    """The breach register on a page, filtered by the state of the authority decision (2 queries)."""
    _check_register_access(request.user)
    form = BreachRegisterFilterForm(request.GET or None)
    breaches = queries.breaches_for(request.user)
    if form.is_valid():
        breaches = form.apply(breaches)
    elif form.is_bound:
        breaches = breaches.none()
    page = Paginator(breaches, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "incident": incident,
            "on_time": queries.on_time(incident, now),
            "clock": clock(incident.authority_deadline, now) if incident.authority_clock_running else None,
        }
        for incident in page.object_list
    ]
    context = {"form": form, "page": page, "rows": rows, "query": query_without_page(request)}
    return render(request, "incidents/breach/register.html", context)


# --- PDFs: an incident, and the breach register ------------------------------------------------------------


def _pdf_urls(export) -> dict:
    return {
        "progress": reverse("incidents:pdf_progress", args=[export.pk]),
        "pdf": reverse("incidents:pdf_download", args=[export.pk]),
        "csv": reverse("incidents:pdf_csv", args=[export.pk]),
    }


def _pdf_name(export, suffix: str) -> str:
    about = export.incident.reference if export.incident else "breach-register"
    return f"{about}-{export.pk}.{suffix}"


@login_required
@require_POST
def incident_pdf_ask(request, pk):
    """Ask for an incident as a PDF (whoever sees its internal timeline); its page then shows the progress."""
    incident = queries.get_incident_for_pdf(request.user, pk)
    export = services.incident_pdf_request(incident=incident, actor=request.user)
    return redirect("incidents:pdf", pk=export.pk)


@login_required
@require_POST
def breach_register_pdf_ask(request):
    """Ask for the breach register as a PDF (security officers and auditors)."""
    _check_register_access(request.user)
    export = services.breach_register_pdf_request(actor=request.user)
    return redirect("incidents:pdf", pk=export.pk)


@login_required
@require_GET
def pdf_page(request, pk):
    export = queries.get_pdf_export_for(request.user, pk)
    if export.incident:
        back, label = reverse("incidents:detail", args=[export.incident_id]), export.incident.reference
    else:
        back, label = reverse("incidents:breach_register_page"), gettext("Breach register")
    return pdf.export_page(request, export, urls=_pdf_urls(export), back_url=back, back_label=label)


@login_required
@require_GET
@without_session_renewal  # polled: not a sign of activity, and no 400 after a sign-out
def pdf_progress(request, pk):
    export = queries.get_pdf_export_for(request.user, pk)
    return pdf.progress_response(request, export, urls=_pdf_urls(export))


@login_required
@require_GET
def pdf_download(request, pk):
    export = queries.get_pdf_export_for(request.user, pk)
    return pdf.file_response(export, "pdf", _pdf_name(export, "pdf"))


@login_required
@require_GET
def pdf_csv(request, pk):
    export = queries.get_pdf_export_for(request.user, pk)
    return pdf.file_response(export, "csv", _pdf_name(export, "csv"))


urlpatterns = [
    path("breaches/", breach_register_page, name="breach_register_page"),
    path("breaches.pdf", breach_register_pdf_ask, name="breach_register_pdf"),
    path("<int:pk>/pdf", incident_pdf_ask, name="incident_pdf"),
    path("pdf/<int:pk>/", pdf_page, name="pdf"),
    path("pdf/<int:pk>/progress/", pdf_progress, name="pdf_progress"),
    path("pdf/<int:pk>/download", pdf_download, name="pdf_download"),
    path("pdf/<int:pk>/data.csv", pdf_csv, name="pdf_csv"),
    path("breaches.csv", breach_register, name="breach_register"),
    path("<int:pk>/breach/mark/", breach_mark_view, name="breach_mark"),
    path("<int:pk>/breach/awareness/", breach_awareness, name="breach_awareness"),
    path("<int:pk>/breach/authority-notified/", breach_authority_notified, name="breach_authority_notified"),
    path(
        "<int:pk>/breach/authority-not-required/",
        breach_authority_not_required,
        name="breach_authority_not_required",
    ),
    path("<int:pk>/breach/data-subjects/", breach_subjects, name="breach_subjects"),
    path("<int:pk>/breach/facts/", breach_facts, name="breach_facts"),
    path("<int:pk>/breach/nis2/significant/", nis2_significant, name="breach_nis2_significant"),
    path("<int:pk>/breach/nis2/report/", nis2_record, name="breach_nis2_record"),
]
