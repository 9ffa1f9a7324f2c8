"""Pages of the vulnerability register: the list with filters and CSV export, recording a vulnerability,
its page (details, deadline in the owner's time, timeline) with the workflow's steps, the severity override,
the owner and editing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dpms.csvexport import bad_filter, streaming_csv
from dpms.forms import add_service_errors
from dpms.paging import deferred_page, query_without_page
from vulnerabilities.forms.register import (
    STEP_TARGET,
    AssignForm,
    OverrideForm,
    TransitionForm,
    VulnerabilityFilterForm,
    VulnerabilityForm,
)
from vulnerabilities.queries import register as queries
from vulnerabilities.queries.deadlines import deadline_holder, zone_of
from vulnerabilities.services import register as services

PAGE_SIZE = 50
CSV_COLUMNS = (
    "reference", "identifier", "aliases", "title", "system", "component", "component_version", "source",
    "cvss_version", "cvss_vector", "cvss_score", "scored_severity", "severity_override", "override_reason",
    "severity", "status", "owner_email", "first_seen_at", "last_seen_at", "triaged_at", "due_at", "overdue",
    "fixed_at", "fixed_note", "verified_at", "risk", "accepted_until", "false_positive_reason",
)  # fmt: skip


def _filtered(request):
    user = request.user
    form = VulnerabilityFilterForm(request.GET or None, systems=queries.systems_for_filter(user))
    rows = queries.register_rows(user)
    if form.is_bound and not form.is_valid():
        return form, rows.none()
    filters = form.cleaned_data if form.is_bound else {}
    return form, queries.filter_vulnerabilities(rows, user=user, now=timezone.now(), **filters)


def _row(vulnerability, now) -> None:
    """What a row shows beyond its fields, from the loaded row (no query)."""
    vulnerability.url = reverse("vulnerabilities:vulnerability", args=[vulnerability.pk])
    vulnerability.overdue = vulnerability.is_overdue_at(now)
    if vulnerability.due_at:
        vulnerability.due_local = vulnerability.due_at.astimezone(zone_of(deadline_holder(vulnerability)))


@login_required
@require_GET
def register(request):
    """The register: every vulnerability the person may see, filtered, newest first."""
    queries.require_register(request.user)
    form, rows = _filtered(request)
    page = deferred_page(rows, PAGE_SIZE, request.GET.get("page"))
    now = timezone.now()
    for vulnerability in page.object_list:
        _row(vulnerability, now)
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "may_record": queries.may_record_anywhere(request.user),
    }
    return render(request, "vulnerabilities/register/list.html", context)


def _csv_row(v, now) -> list:
    return [
        v.reference, v.identifier, "; ".join(v.aliases), v.title, v.system.name,
        v.component.name if v.component else "", v.component_version, v.source,
        v.cvss_version, v.cvss_vector, v.cvss_score, v.scored_severity, v.severity_override,
        v.override_reason, v.severity, v.status, v.owner.email if v.owner else "", v.first_seen_at,
        v.last_seen_at, v.triaged_at,
        v.due_at, "yes" if v.is_overdue_at(now) else "no", v.fixed_at, v.fixed_note, v.verified_at,
        v.risk.reference if v.risk else "", v.accepted_until, v.false_positive_reason,
    ]  # fmt: skip


@login_required
@require_GET
def register_csv(request):
    """Stream the filtered register as CSV: the same filters and visibility as the page."""
    queries.require_register(request.user)
    form, rows = _filtered(request)
    if form.errors:
        return bad_filter(form)
    now = timezone.now()
    return streaming_csv(
        name="vulnerabilities",
        header=CSV_COLUMNS,
        rows=(_csv_row(vulnerability, now) for vulnerability in rows.iterator(chunk_size=1000)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def vulnerability_create(request):
    """Record a vulnerability found by hand or in a penetration test (officers; owners on their systems)."""
    if not queries.may_record_anywhere(request.user):
        raise PermissionDenied(_("Only security officers and system owners record vulnerabilities."))
    systems = queries.systems_to_record_on(request.user)
    form = VulnerabilityForm(
        request.POST or None, systems=systems, components=queries.components_to_pick(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vulnerability = services.vulnerability_create(actor=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{vulnerability.reference} recorded.")
            return redirect("vulnerabilities:vulnerability", pk=vulnerability.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "vulnerabilities/register/form.html", {"form": form, "vulnerability": None}, status=status
    )


# The timeline's words for the actions the services record (others show as recorded).
ACTION_WORDS = {
    "create": gettext_lazy("Recorded"),
    "update": gettext_lazy("Details changed"),
    "override_severity": gettext_lazy("Severity overridden"),
    "assign": gettext_lazy("Handed over"),
    "triage": gettext_lazy("Triaged"),
    "start_remediation": gettext_lazy("Remediation started"),
    "mark_fixed": gettext_lazy("Marked fixed"),
    "verify": gettext_lazy("Fix verified"),
    "accept_risk": gettext_lazy("Risk accepted"),
    "mark_false_positive": gettext_lazy("Marked false positive"),
    "reopen": gettext_lazy("Reopened"),
    "deadline_breached": gettext_lazy("Deadline passed"),
    "escalated": gettext_lazy("Escalated to the security officers"),
}


def _timeline(vulnerability) -> list:
    events = list(queries.vulnerability_timeline(vulnerability))
    for event in events:
        short = event.action.rsplit(".", 1)[-1]
        event.words = ACTION_WORDS.get(short, short.replace("_", " ").capitalize())
    return events


def _detail_context(request, vulnerability, **forms) -> dict:
    user = request.user
    may_change = queries.may_change(user, vulnerability)
    steps = queries.steps_for(user, vulnerability) if may_change else []
    holder = deadline_holder(vulnerability)
    zone = zone_of(holder)
    return {
        "vulnerability": vulnerability,
        "overdue": vulnerability.is_overdue,
        "due_local": vulnerability.due_at.astimezone(zone) if vulnerability.due_at else None,
        "due_zone": str(zone),
        "timeline": _timeline(vulnerability),
        "may_change": may_change,
        "may_override": queries.may_manage_vulnerabilities(user),
        "steps": steps,
        "targets": {key: STEP_TARGET[key].label for key in steps},
        "transition_form": forms.get("transition_form") or TransitionForm(steps=steps),
        "override_form": forms.get("override_form")
        or OverrideForm(
            initial={"severity": vulnerability.severity_override, "reason": vulnerability.override_reason}
        ),
        "assign_form": forms.get("assign_form") or AssignForm(initial={"owner": vulnerability.owner}),
    }


@login_required
@require_GET
def vulnerability_detail(request, pk):
    vulnerability = queries.get_vulnerability_for_user(request.user, pk)
    return render(request, "vulnerabilities/register/detail.html", _detail_context(request, vulnerability))


def _detail_again(request, vulnerability, **forms):
    context = _detail_context(request, vulnerability, **forms)
    return render(request, "vulnerabilities/register/detail.html", context, status=400)


@login_required
@require_POST
def vulnerability_transition(request, pk):
    """One step of the workflow (the form names it); the service checks it is allowed from here."""
    vulnerability = queries.get_vulnerability_for_user(request.user, pk, for_change=True)
    steps = queries.steps_for(request.user, vulnerability)
    form = TransitionForm(request.POST, steps=steps, risks=queries.risks_to_link(request.user))
    if form.is_valid():
        data = form.cleaned_data
        step = data["step"]
        arguments = {"actor": request.user, "vulnerability": vulnerability}
        extra = {
            "mark_fixed": {"note": data["note"]},
            "accept_risk": {"risk": data["risk"]},
            "mark_false_positive": {"reason": data["reason"]},
            "reopen": {"reason": data["reason"]},
        }.get(step, {})
        try:
            changed = services.STEP_SERVICES[step](**arguments, **extra)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{changed.reference} is now {changed.get_status_display().lower()}.")
            return redirect("vulnerabilities:vulnerability", pk=vulnerability.pk)
    return _detail_again(request, vulnerability, transition_form=form)


@login_required
@require_POST
def vulnerability_override(request, pk):
    """A security officer overrides (or clears the override of) the scored severity, with a reason."""
    vulnerability = queries.get_vulnerability_for_user(request.user, pk)
    if not queries.may_manage_vulnerabilities(request.user):
        raise PermissionDenied(_("Only security officers override a severity."))
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.vulnerability_override_severity(
                actor=request.user, vulnerability=vulnerability, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Severity saved; the deadline follows it."))
            return redirect("vulnerabilities:vulnerability", pk=vulnerability.pk)
    return _detail_again(request, vulnerability, override_form=form)


@login_required
@require_POST
def vulnerability_assign(request, pk):
    """Hand the vulnerability to another owner (empty: the system's owner)."""
    vulnerability = queries.get_vulnerability_for_user(request.user, pk, for_change=True)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.vulnerability_assign(
                actor=request.user, vulnerability=vulnerability, owner=form.cleaned_data["owner"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Owner saved."))
            return redirect("vulnerabilities:vulnerability", pk=vulnerability.pk)
    return _detail_again(request, vulnerability, assign_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def vulnerability_edit(request, pk):
    """Change what is known: title, identifier, component, vector (scored again), description."""
    vulnerability = queries.get_vulnerability_for_user(request.user, pk, for_change=True)
    initial = {
        "title": vulnerability.title,
        "identifier": vulnerability.identifier,
        "component": vulnerability.component,
        "cvss_vector": vulnerability.cvss_vector,
        "description": vulnerability.description,
    }
    form = VulnerabilityForm(
        request.POST or None,
        initial=initial,
        components=queries.components_of(vulnerability.system),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.vulnerability_update(
                actor=request.user, vulnerability=vulnerability, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("vulnerabilities:vulnerability", pk=vulnerability.pk)
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "vulnerability": vulnerability}
    return render(request, "vulnerabilities/register/form.html", context, status=status)


urlpatterns = [
    path("", register, name="register"),
    path("export.csv", register_csv, name="register_csv"),
    path("new", vulnerability_create, name="vulnerability_create"),
    path("<int:pk>/", vulnerability_detail, name="vulnerability"),
    path("<int:pk>/edit", vulnerability_edit, name="vulnerability_edit"),
    path("<int:pk>/transition", vulnerability_transition, name="vulnerability_transition"),
    path("<int:pk>/severity", vulnerability_override, name="vulnerability_override"),
    path("<int:pk>/owner", vulnerability_assign, name="vulnerability_assign"),
]
