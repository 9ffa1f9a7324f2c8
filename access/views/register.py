"""Pages of the access register: systems, a system's roles and holders, a person's access, the grants list
and its CSV export, granting a role and revoking a grant."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods

from access.choices import Environment
from access.forms.register import GrantCreateForm, GrantFilterForm, GrantRevokeForm, SystemFilterForm
from access.queries import register as queries
from access.services.grants import grant_create, grant_revoke
from dpms import charts, portal
from dpms.csvexport import bad_filter, streaming_csv
from dpms.forms import add_service_errors
from dpms.links import url_for_any_pk
from dpms.paging import CappedPaginator, query_without_page

PAGE_SIZE = 50
# The grants list pages through this many at most (dpms.paging.CappedPaginator): filter for the rest.
LISTED_AT_MOST = 10_000
CSV_COLUMNS = (
    "person_email",
    "person_name",
    "team",
    "system",
    "environment",
    "role",
    "privileged",
    "granted_at",
    "granted_by",
    "justification",
    "expires_at",
    "source",
    "revoked_at",
    "revoked_by",
    "revoke_reason",
)


@login_required
@require_GET
def system_list(request):
    form = SystemFilterForm(request.GET or None)
    systems = queries.systems_with_counts()
    if form.is_bound and not form.is_valid():
        systems = systems.none()
    else:
        systems = queries.filter_systems(systems, **(form.cleaned_data if form.is_bound else {}))
    page = Paginator(systems, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "access/register/system_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "sees_all": queries.sees_everything(request.user),
        },
    )


def _system_page(request, system, *, grant_form=None, status=200):
    holders = Paginator(queries.system_holders(request.user, system), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    may_manage = queries.can_manage_system(request.user, system)
    context = {
        "system": system,
        "roles": queries.system_roles(system),
        "holders": holders,
        "page": holders,
        "query": query_without_page(request),
        "may_manage": may_manage,
        "findings": queries.open_findings(system) if queries.can_see_findings(request.user, system) else None,
        "grant_form": grant_form or (GrantCreateForm(system=system) if may_manage else None),
        "sections": _system_sections(request, system),
    }
    return render(request, "access/register/system_detail.html", context, status=status)


def _system_sections(request, system) -> list[dict]:
    """What apps above access add to a system's page (the "system-detail" slot, ``dpms.portal``), each with
    the context its ``context(request, system)`` gives; None: not shown."""
    shown = []
    for section in portal.sections_for("system-detail"):
        context = section.context(request, system) if section.context else {}
        if context is not None:
            shown.append({"template": section.template, "context": context})
    return shown


@login_required
@require_GET
def system_detail(request, pk):
    return _system_page(request, queries.get_system_for_user(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def system_grant(request, pk):
    """Grant a role on the system to a person (security officers and the owner)."""
    system = queries.get_system_for_manager(request.user, pk)
    form = GrantCreateForm(request.POST or None, system=system)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = grant_create(
                actor=request.user,
                user=data["person"],
                role=data["role"],
                justification=data["justification"],
                expires_at=data["expires_at"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(person)s now holds %(role)s.") % {"person": grant.user, "role": grant.role.name}
            )
            return redirect("access:system", pk=system.pk)
    return render(request, "access/register/grant_form.html", {"system": system, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def grant_revoke_view(request, pk):
    """Revoke a grant with a reason (security officers and the system's owner)."""
    grant = queries.get_grant_for_manager(request.user, pk)
    form = GrantRevokeForm(request.POST or None)
    if grant.revoked_at is not None:
        messages.info(request, _("This grant is revoked already."))
        return redirect("access:system", pk=grant.role.system_id)
    if request.method == "POST" and form.is_valid():
        try:
            grant_revoke(actor=request.user, grant=grant, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Revoked %(role)s from %(person)s.") % {"role": grant.role.name, "person": grant.user},
            )
            return redirect("access:system", pk=grant.role.system_id)
    return render(request, "access/register/grant_revoke.html", {"grant": grant, "form": form})


@login_required
@require_GET
def person_access(request, pk):
    person, whole = queries.get_person_for_user(request.user, pk)
    active, revoked = queries.active_and_revoked(queries.person_grants(request.user, person, whole=whole))
    context = {
        "person": person,
        "whole": whole,
        "active": active,
        "page": Paginator(revoked, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query_without_page(request),
    }
    return render(request, "access/register/person.html", context)


def _filtered_grants(request):
    form = GrantFilterForm(request.GET or None)
    grants = queries.grants_for_list(request.user)
    if form.is_bound and not form.is_valid():
        return form, grants.none()
    return form, queries.filter_grants(grants, **(form.cleaned_data if form.is_bound else {}))


class GrantRow(dict):
    """A row of the grants list: what it shows by name (a dict, the template's quickest lookup), and the
    ``pk`` of its grant as a grant has it."""

    @property
    def pk(self) -> int:
        return self["pk"]


def _when(moment) -> tuple[str, str]:
    """A moment as the list writes it: ISO 8601 for ``<time datetime>``, and the date in the reader's
    language and time zone (what ``|date:'c'`` and ``|date:"DATE_FORMAT"`` give)."""
    local = timezone.localtime(moment)
    return local.isoformat(), formats.date_format(local, "DATE_FORMAT")


def _grant_rows(grants: list[dict]) -> list[GrantRow]:
    """What each row of the grants list shows (``grant_list.html``), worked out once a row in Python: its
    links from one ``reverse`` each a page, its dates, the names and words in the reader's language. The
    template language did the same work several times slower (a lookup, a filter and a translation per
    value, a ``{% url %}`` twice a row)."""
    person_url = url_for_any_pk("access:person")
    system_url = url_for_any_pk("access:system")
    environments = {value: str(label) for value, label in Environment.choices}
    rows = []
    for grant in grants:
        granted_iso, granted_date = _when(grant["granted_at"])
        expires_iso, expires_date = _when(grant["expires_at"]) if grant["expires_at"] else ("", "")
        revoked_iso, revoked_date = _when(grant["revoked_at"]) if grant["revoked_at"] else ("", "")
        granted_by = grant["granted_by__full_name"] or grant["granted_by__email"]  # as str(User) names them
        revoked_by = grant["revoked_by__full_name"] or grant["revoked_by__email"]
        environment = grant["role__system__environment"]
        rows.append(
            GrantRow(
                pk=grant["pk"],
                person_url=person_url(grant["user_id"]),
                person=grant["user__full_name"] or grant["user__email"],
                email=grant["user__email"],
                team=grant["user__team__name"],
                system_url=system_url(grant["role__system_id"]),
                system=grant["role__system__name"],
                environment=environments.get(environment, environment),
                role=grant["role__name"],
                privileged=grant["role__privileged"],
                granted_iso=granted_iso,
                granted_date=granted_date,
                granted_by=_("by %(person)s") % {"person": granted_by} if granted_by else "",
                expires_iso=expires_iso,
                expires_date=expires_date,
                revoked_iso=revoked_iso,
                revoked_date=revoked_date,
                revoked_by=_("by %(person)s") % {"person": revoked_by} if revoked_by else "",
            )
        )
    return rows


def _row_words() -> dict:
    """The words every row of the grants list may repeat, translated once a page."""
    return {
        "privileged": _("Privileged"),
        "revoked": pgettext("followed by a date", "Revoked"),
        "active": _("Active"),
    }


@login_required
@require_GET
def grant_list(request):
    form, grants = _filtered_grants(request)
    # The page's grant ids, sorted and sliced with only the joins the order needs; then those grants' rows.
    ids_paginator = CappedPaginator(grants.values_list("pk", flat=True), PAGE_SIZE, cap=LISTED_AT_MOST)
    ids = ids_paginator.get_page(request.GET.get("page"))
    page = Page(_grant_rows(queries.grant_rows(list(ids.object_list))), ids.number, ids.paginator)
    return render(
        request,
        "access/register/grant_list.html",
        {"form": form, "page": page, "words": _row_words(), "query": query_without_page(request)},
    )


def _grant_row(grant) -> list:
    return [
        grant.user.email,
        grant.user.full_name,
        grant.user.team.name if grant.user.team else "",
        grant.role.system.name,
        grant.role.system.environment,
        grant.role.name,
        "yes" if grant.role.privileged else "no",
        grant.granted_at,
        grant.granted_by.email if grant.granted_by else "",
        grant.justification,
        grant.expires_at,
        grant.source,
        grant.revoked_at,
        grant.revoked_by.email if grant.revoked_by else "",
        grant.revoke_reason,
    ]


@login_required
@require_GET
def grant_list_csv(request):
    """Stream the filtered grants list as CSV (same filters and visibility as the page)."""
    form, grants = _filtered_grants(request)
    if form.errors:
        return bad_filter(form)
    rows = (_grant_row(grant) for grant in grants.iterator(chunk_size=2000))
    return streaming_csv(name="grants", header=CSV_COLUMNS, rows=rows)


urlpatterns = [
    path("systems/", system_list, name="systems"),
    path("systems/<int:pk>/", system_detail, name="system"),
    path("systems/<int:pk>/grant/", system_grant, name="system_grant"),
    path("grants/", grant_list, name="grants"),
    path("grants/export.csv", grant_list_csv, name="grants_csv"),
    path("grants/<int:pk>/revoke/", grant_revoke_view, name="grant_revoke"),
    path("people/<int:pk>/", person_access, name="person"),
]


FINDINGS_ON_PANEL = 5


def _finding_line(finding) -> dict:
    if finding.system_id is None:  # about a person (a leaver's access still open): their open tasks
        query = urlencode({"q": finding.person.email, "status": "open"})
        return {
            "text": f"{finding.person}: {finding.get_kind_display()}",
            "link": f"{reverse('access:revocation_list')}?{query}",
        }
    return {
        "text": f"{finding.system.name}: {finding.get_kind_display()}",
        "link": reverse("access:system", args=[finding.system_id]),
    }


def findings_panel(request):
    """Dashboard panel for security officers: open findings, how many and on which systems (2 queries)."""
    if not queries.may_see_all_findings(request.user):
        return None
    findings = queries.all_open_findings()
    count = findings.count()
    lines = [_finding_line(finding) for finding in findings[:FINDINGS_ON_PANEL]]
    return {
        "title": _("Open access findings"),
        "count": count,
        "lines": lines,
        "empty": _("No open findings: every system is within its limits."),
        "link": f"{reverse('access:systems')}?findings=on",
        "link_label": _("Systems with findings"),
    }


REPORTS_ON_PANEL = 8


def reports_access_panel(request):
    """Dashboard panel for managers: each direct report's active access, privileged apart, each number a
    link to the grants list filtered to that person (one query; nothing for someone without reports)."""
    reports = queries.reports_access(request.user, limit=REPORTS_ON_PANEL + 1)
    if not reports:
        return None
    shown = reports[:REPORTS_ON_PANEL]
    privileged = charts.Series("privileged", _("Privileged"))
    standard = charts.Series("standard", _("Not privileged"))
    grants_url = reverse("access:grants")
    rows = [
        {
            "person": person,
            "all_link": f"{grants_url}?{urlencode({'person': person.email})}",
            "privileged_link": f"{grants_url}?{urlencode({'person': person.email, 'privileged': 'yes'})}",
        }
        for person in shown
    ]
    columns = [
        charts.Column(
            person.get_short_name()[:10],
            long_label=str(person.full_name or person.email),
            segments=[
                charts.Segment(privileged, person.privileged_count),
                charts.Segment(standard, person.grant_count - person.privileged_count),
            ],
        )
        for person in shown
    ]
    return {
        "title": _("Your reports' access"),
        "chart": charts.stacked_bar_chart(
            slug="reports-access",
            title=_("Active grants of your direct reports, privileged apart"),
            series=[privileged, standard],
            columns=columns,
            x_title=_("Person"),
        ),
        "rows": rows,
        "more": len(reports) > REPORTS_ON_PANEL,
        "link": grants_url,
        "link_label": _("All grants you can see"),
    }


# --- The header's search: people, systems and roles (dpms.search, registered in access.apps) ---------------
def search_people(user, term: str, *, limit: int) -> list[dict]:
    return [
        {
            "title": person.full_name or person.email,
            "detail": person.email if person.is_active else _("%(email)s (left)") % {"email": person.email},
            "url": reverse("access:person", args=[person.pk]),
        }
        for person in queries.people_matching(user, term, limit=limit)
    ]


def search_systems(user, term: str, *, limit: int) -> list[dict]:
    return [
        {
            "title": system.name,
            "detail": system.get_environment_display(),
            "url": reverse("access:system", args=[system.pk]),
        }
        for system in queries.systems_matching(term, limit=limit)
    ]


def search_roles(user, term: str, *, limit: int) -> list[dict]:
    return [
        {
            "title": _("%(role)s on %(system)s") % {"role": role.name, "system": role.system.name},
            "detail": _("privileged") if role.privileged else "",
            "url": reverse("access:system", args=[role.system_id]),
        }
        for role in queries.roles_matching(term, limit=limit)
    ]


def people_list_url(term: str) -> str:
    return f"{reverse('access:grants')}?{urlencode({'person': term})}"


def systems_list_url(term: str) -> str:
    return f"{reverse('access:systems')}?{urlencode({'q': term})}"
