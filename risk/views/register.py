"""Pages of the risk register: the list with filters, sorting and CSV export; a risk's detail page; creating,
editing, opening/closing and sharing a risk; the dashboard panel of risks above appetite."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import get_format
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dpms import charts, pdf, portal
from dpms.csvexport import bad_filter, streaming_csv
from dpms.forms import add_service_errors
from dpms.middleware import without_session_renewal
from dpms.paging import deferred_page, query_without_page
from risk.choices import RiskStatus
from risk.forms.register import (
    RegisterPdfForm,
    RiskFilterForm,
    RiskForm,
    RiskShareForm,
    RiskStatusForm,
    RiskUnshareForm,
)
from risk.queries import register as queries
from risk.services.register import (
    register_pdf_request,
    risk_create,
    risk_set_status,
    risk_share,
    risk_unshare,
    risk_update,
)

PAGE_SIZE = 50
# The sections of a risk's page from risk's other areas; apps above risk add theirs to the "risk-detail" slot
# (dpms.portal.sections_for).
RISK_SECTIONS = (
    "risk/actions/_risk_section.html",
    "risk/acceptances/_risk_section.html",
    "risk/reviews/_risk_section.html",
)
CSV_COLUMNS = queries.CSV_COLUMNS  # the register CSV (and the PDF that embeds its hash) writes these


def _filtered_risks(request, *, for_page: bool = False):
    matrix = queries.active_matrix()
    owners = queries.risk_owners(queries.risks_for_user(request.user))
    form = RiskFilterForm(request.GET or None, matrix=matrix, owners=owners)
    if for_page:
        risks = queries.risks_for_page(request.user, matrix)
    else:
        risks = queries.risks_for_list(request.user, matrix)
    if form.is_bound and not form.is_valid():
        return form, matrix, risks.none()
    return (
        form,
        matrix,
        queries.filter_risks(risks, matrix=matrix, **(form.cleaned_data if form.is_bound else {})),
    )


STATUS_LABELS = dict(RiskStatus.choices)


def _row(risk, today, months, date_format) -> None:
    """What a row shows beyond the model's fields, worked out once here rather than by tags and filters in
    the template (from the loaded row: no query). ``months``: the month names (``date:"M"``), by number;
    ``review_text`` is the pages' ``DATE_FORMAT`` written out (a test holds them equal); a language that
    writes dates otherwise than "j M Y" gets them from ``date_format`` (``date_format``: None for "j M Y")."""
    risk.url = reverse("risk:risk", args=[risk.pk])
    risk.status_label = STATUS_LABELS.get(risk.status, risk.status)
    risk.level = risk.current_level
    risk.system_names = ", ".join(system.name for system in risk.systems.all())
    review = risk.next_review_on
    risk.review_overdue = review is not None and review < today and risk.status != RiskStatus.CLOSED
    if review is not None:
        risk.review_iso = review.isoformat()
        if date_format is None:
            risk.review_text = f"{review.day} {months[review.month]} {review.year:04d}"
        else:
            risk.review_text = dateformat.format(review, date_format)


@login_required
@require_GET
def risk_list(request):
    form, matrix, risks = _filtered_risks(request, for_page=True)
    page = deferred_page(risks, PAGE_SIZE, request.GET.get("page"))
    queries.with_matrices(page.object_list, matrix)
    today = timezone.localdate()
    months = ["", *(MONTHS_3[month].title() for month in range(1, 13))]  # translated once a page
    date_format = get_format("DATE_FORMAT")
    for risk in page.object_list:
        _row(risk, today, months, None if date_format == "j M Y" else date_format)
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "matrix": matrix,
        "may_create": queries.can_manage_risks(request.user) and matrix is not None,
        "today": today,
        "may_print": queries.may_print_register(request.user),
    }
    return render(request, "risk/register/risk_list.html", context)


def _label(scale, index) -> str:
    return scale[index]["label"] if index is not None and index < len(scale) else ""


_risk_row = queries.csv_row


@login_required
@require_GET
def risk_list_csv(request):
    """Stream the filtered register as CSV: the same filters and visibility as the page."""
    form, _matrix, risks = _filtered_risks(request)
    if form.errors:
        return bad_filter(form)
    rows = (_risk_row(risk) for risk in risks.iterator(chunk_size=1000))
    return streaming_csv(name="risks", header=CSV_COLUMNS, rows=rows)


def _scores(risk) -> list[dict]:
    m = risk.matrix
    return [
        {
            "label": label,
            "likelihood": _label(m.likelihood_scale, getattr(risk, f"{kind}_likelihood")),
            "impact": _label(m.impact_scale, getattr(risk, f"{kind}_impact")),
            "level": getattr(risk, f"{kind}_level"),
        }
        for kind, label in (
            ("inherent", gettext("Inherent")),
            ("current", gettext("Current")),
            ("target", gettext("Target")),
        )
    ]


def _detail_context(request, risk, *, share_form=None) -> dict:
    may_share = queries.can_share_risk(request.user, risk)
    today = timezone.localdate()
    return {
        "risk": risk,
        "scores": _scores(risk),
        "appetite_name": risk.matrix.levels[risk.matrix.appetite]["name"],
        "systems": queries.risk_detail_systems(risk),
        "trend": queries.trend_chart(
            risk=risk, assessments=queries.risk_trend_assessments(risk), today=today
        ),
        "may_edit": queries.can_edit_risk(request.user, risk),
        "may_share": may_share,
        "shares": queries.risk_shares(risk) if may_share else [],
        "share_form": share_form or (RiskShareForm() if may_share else None),
        "sections": [*RISK_SECTIONS, *(section.template for section in portal.sections_for("risk-detail"))],
        "today": today,
    }


@login_required
@require_GET
def risk_detail(request, pk):
    risk = queries.get_risk_for_user(request.user, pk)
    return render(request, "risk/register/risk_detail.html", _detail_context(request, risk))


@login_required
@require_http_methods(["GET", "POST"])
def risk_create_view(request):
    """Security officers add risks to the register."""
    if not queries.can_manage_risks(request.user):
        raise PermissionDenied("Only security officers add risks.")
    matrix = queries.active_matrix()
    if matrix is None:
        messages.error(request, gettext("Activate a risk matrix before adding risks."))
        return redirect("risk:register")
    form = RiskForm(request.POST or None, matrix=matrix, creating=True, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        status = RiskStatus.OPEN if data.pop("open_now") else RiskStatus.DRAFT
        try:
            risk = risk_create(actor=request.user, status=status, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, gettext("%(reference)s added to the register.") % {"reference": risk.reference}
            )
            return redirect("risk:risk", pk=risk.pk)
    return render(request, "risk/register/risk_form.html", {"form": form, "risk": None})


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request, pk):
    """Security officers, the owner and delegated editors change a risk's details and scores."""
    risk = queries.get_risk_for_user(request.user, pk, for_change=True)
    initial = RiskForm.initial_for(risk)
    form = RiskForm(
        request.POST or None,
        matrix=risk.matrix,
        initial=initial,
        may_change_owner=queries.may_change_owner(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            risk_update(actor=request.user, risk=risk, systems=data.pop("systems"), **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, gettext("%(reference)s saved.") % {"reference": risk.reference})
            return redirect("risk:risk", pk=risk.pk)
    return render(request, "risk/register/risk_form.html", {"form": form, "risk": risk})


@login_required
@require_POST
def risk_status(request, pk):
    """Open a draft, close a risk or reopen it."""
    risk = queries.get_risk_for_user(request.user, pk, for_change=True)
    form = RiskStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(gettext("Choose open or closed."))
    try:
        risk = risk_set_status(actor=request.user, risk=risk, status=form.cleaned_data["status"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            gettext("%(reference)s is now: %(status)s.")
            % {"reference": risk.reference, "status": risk.get_status_display()},
        )
    return redirect("risk:risk", pk=risk.pk)


@login_required
@require_POST
def risk_share_view(request, pk):
    """Share the risk with one more person, to read or to edit (guardian object permissions)."""
    risk = queries.get_risk_to_share(request.user, pk)
    form = RiskShareForm(request.POST)
    if form.is_valid():
        person = form.cleaned_data["person"]
        try:
            risk_share(actor=request.user, risk=risk, user=person, can_edit=form.cleaned_data["can_edit"])
        except ValidationError as error:
            form.add_error("person", error.messages)
        else:
            messages.success(
                request,
                gettext("%(reference)s is shared with %(person)s.")
                % {"reference": risk.reference, "person": person},
            )
            return redirect("risk:risk", pk=risk.pk)
    context = _detail_context(request, risk, share_form=form)
    return render(request, "risk/register/risk_detail.html", context, status=400)


@login_required
@require_POST
def risk_unshare_view(request, pk):
    risk = queries.get_risk_to_share(request.user, pk)
    form = RiskUnshareForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(gettext("Choose a person to stop sharing with."))
    try:
        risk_unshare(actor=request.user, risk=risk, user=form.cleaned_data["user"])
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    messages.success(
        request,
        gettext("%(reference)s is no longer shared with %(person)s.")
        % {"reference": risk.reference, "person": form.cleaned_data["user"]},
    )
    return redirect("risk:risk", pk=risk.pk)


def _pdf_urls(export) -> dict:
    return {
        "progress": reverse("risk:register_pdf_progress", args=[export.pk]),
        "pdf": reverse("risk:register_pdf_download", args=[export.pk]),
        "csv": reverse("risk:register_pdf_csv", args=[export.pk]),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def register_pdf_ask(request):
    """Ask for the register at a date as a PDF (the form asks the day, today by default)."""
    if not queries.may_print_register(request.user):
        raise PermissionDenied("The risk register's PDF is for security officers and auditors.")
    form = RegisterPdfForm(request.POST or None, initial={"as_of": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            export = register_pdf_request(actor=request.user, as_of=form.cleaned_data["as_of"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("risk:register_pdf", pk=export.pk)
    status = 400 if form.errors else 200
    return render(request, "risk/register/register_pdf_request.html", {"form": form}, status=status)


@login_required
@require_GET
def register_pdf(request, pk):
    export = queries.get_register_pdf_for(request.user, pk)
    back = reverse("risk:register")
    label = gettext("Register")
    return pdf.export_page(request, export, urls=_pdf_urls(export), back_url=back, back_label=label)


@login_required
@require_GET
@without_session_renewal  # polled: not a sign of activity, and no 400 after a sign-out
def register_pdf_progress(request, pk):
    export = queries.get_register_pdf_for(request.user, pk)
    return pdf.progress_response(request, export, urls=_pdf_urls(export))


@login_required
@require_GET
def register_pdf_download(request, pk):
    export = queries.get_register_pdf_for(request.user, pk)
    return pdf.file_response(export, "pdf", f"risk-register-{export.as_of.isoformat()}-{export.pk}.pdf")


@login_required
@require_GET
def register_pdf_csv(request, pk):
    export = queries.get_register_pdf_for(request.user, pk)
    return pdf.file_response(export, "csv", f"risk-register-{export.as_of.isoformat()}-{export.pk}.csv")


urlpatterns = [
    path("", risk_list, name="register"),
    path("export.csv", risk_list_csv, name="register_csv"),
    path("register.pdf", register_pdf_ask, name="register_pdf_request"),
    path("register-pdf/<int:pk>/", register_pdf, name="register_pdf"),
    path("register-pdf/<int:pk>/progress/", register_pdf_progress, name="register_pdf_progress"),
    path("register-pdf/<int:pk>/download", register_pdf_download, name="register_pdf_download"),
    path("register-pdf/<int:pk>/register.csv", register_pdf_csv, name="register_pdf_csv"),
    path("new/", risk_create_view, name="risk_create"),
    path("<int:pk>/", risk_detail, name="risk"),
    path("<int:pk>/edit/", risk_edit, name="risk_edit"),
    path("<int:pk>/status/", risk_status, name="risk_status"),
    path("<int:pk>/share/", risk_share_view, name="risk_share"),
    path("<int:pk>/unshare/", risk_unshare_view, name="risk_unshare"),
]


PANEL_LINES = 5
ABOVE_APPETITE_FILTER = {"above_appetite": "on", "status": "live", "sort": "-level"}


def appetite_panel(request):
    """Dashboard panel for security officers: live risks above appetite (3 queries: matrix, count, lines)."""
    if not queries.sees_appetite_panel(request.user):
        return None
    matrix = queries.active_matrix()
    if matrix is None:
        return None
    risks = queries.above_appetite(queries.risks_for_user(request.user), matrix)
    count = risks.count()
    lines = [
        {
            "text": f"{risk.reference} {risk.title}: {matrix.levels[risk.current_level_index]['name']}",
            "link": reverse("risk:risk", args=[risk.pk]),
        }
        for risk in queries.appetite_lines(risks, matrix, PANEL_LINES)
    ]
    appetite = matrix.levels[matrix.appetite]["name"]
    register_url = reverse("risk:register")
    return {
        "title": gettext("Risks above appetite"),
        "count": count,
        "count_link": f"{register_url}?{urlencode(ABOVE_APPETITE_FILTER)}",
        "lines": lines,
        "empty": gettext("No open risk is above the appetite (%(level)s).") % {"level": appetite},
        "link": f"{register_url}?sort=-level&status=open",
        "link_label": gettext("Open the register"),
        **_portfolio_charts(request.user, matrix, register_url),
    }


def _portfolio_charts(user, matrix, register_url) -> dict:
    """The last twelve months of the portfolio: live risks by level (stacked, the matrix's colours and a
    pattern per level) and those above appetite (a sparkline); this month's numbers link to the register
    filtered. Two queries (``portfolio_history``)."""
    months = charts.month_starts_back(12, timezone.localdate())
    history = queries.portfolio_history(queries.risks_for_user(user), matrix, months=months)
    names = [MONTHS_3[month.month].title() for month in months]
    long_names = [f"{name} {month:%Y}" for name, month in zip(names, months, strict=True)]
    series = [
        charts.Series(f"level-{index}", level["name"], colour=level.get("colour", ""))
        for index, level in enumerate(matrix.levels)
    ]
    columns = [
        charts.Column(
            name,
            long_label=long_name,
            segments=[charts.Segment(one, count) for one, count in zip(series, month.by_level, strict=True)],
        )
        for name, long_name, month in zip(names, long_names, history, strict=True)
    ]
    now = history[-1]
    levels = [
        {
            "name": level["name"],
            "count": now.by_level[index],
            "above": index > matrix.appetite,
            "link": f"{register_url}?{urlencode({'level': index, 'status': 'live'})}",
        }
        for index, level in enumerate(matrix.levels)
    ]
    return {
        "portfolio": charts.stacked_bar_chart(
            slug="risk-portfolio",
            title=gettext("Open and accepted risks by current level, last 12 months"),
            series=series,
            columns=columns,
            x_title=gettext("Month"),
        ),
        "above_trend": charts.sparkline(
            slug="risk-above-appetite",
            title=gettext("Risks above appetite, last 12 months"),
            x_labels=long_names,
            values=[month.above_appetite for month in history],
        ),
        "levels": levels,
    }


# --- The header's search: risks by reference or title (dpms.search, registered in risk.apps) ---------------
def search_risks(user, term: str, *, limit: int) -> list[dict]:
    return [
        {
            "title": f"{risk.reference} {risk.title}",
            "detail": STATUS_LABELS.get(risk.status, risk.status),
            "url": reverse("risk:risk", args=[risk.pk]),
        }
        for risk in queries.risks_matching(user, term, limit=limit)
    ]


def risks_list_url(term: str) -> str:
    return f"{reverse('risk:register')}?{urlencode({'q': term})}"
