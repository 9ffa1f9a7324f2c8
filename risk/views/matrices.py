"""Pages of the risk app: risk matrices (list, detail, create, edit) and activating another matrix, which
shows the re-mapping of every risk first and applies it only on a confirmed POST."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from dpms.forms import add_service_errors
from dpms.paging import query_without_page
from risk.forms.matrices import ActivateForm, MatrixFilterForm, MatrixForm, matrix_initial
from risk.queries import matrices as queries
from risk.services.matrices import matrix_activate, matrix_create, matrix_update

PAGE_SIZE = 25
PREVIEW_PAGE_SIZE = 50


@login_required
@require_GET
def matrix_list(request):
    queries.require_reader(request.user)
    form = MatrixFilterForm(request.GET or None)
    criteria = form.cleaned_data if form.is_valid() else {}
    matrices = queries.matrices_for_list(**{key: value for key, value in criteria.items() if value})
    page = Paginator(matrices, PAGE_SIZE).get_page(request.GET.get("page"))
    grids = [(matrix, queries.grid(matrix)) for matrix in page.object_list]
    context = {"form": form, "page": page, "grids": grids, "query": query_without_page(request)}
    context["may_manage"] = queries.can_manage_matrices(request.user)
    return render(request, "risk/matrices/list.html", context)


@login_required
@require_GET
def matrix_detail(request, pk):
    matrix = queries.get_matrix_for_user(request.user, pk)
    context = {"matrix": matrix, "grid": queries.grid(matrix)}
    context["may_manage"] = queries.can_manage_matrices(request.user)
    return render(request, "risk/matrices/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def matrix_create_view(request):
    """A new matrix, typed or started from an existing one (``?from=<pk>``)."""
    queries.require_manager(request.user)
    source = request.GET.get("from", "")
    initial = {}
    if source.isdigit():
        template = queries.get_matrix_for_user(request.user, int(source))
        initial = {**matrix_initial(template), "name": gettext("%(name)s (copy)") % {"name": template.name}}
    form = MatrixForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            matrix = matrix_create(
                actor=request.user, name=data["name"], description=data["description"], **data["matrix"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                gettext("Matrix “%(name)s” created. It is not active until you activate it.")
                % {"name": matrix.name},
            )
            return redirect("risk:matrix", pk=matrix.pk)
    status = 400 if form.errors else 200
    return render(request, "risk/matrices/form.html", {"form": form, "matrix": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def matrix_edit(request, pk):
    matrix = queries.get_matrix_for_user(request.user, pk, for_change=True)
    form = MatrixForm(request.POST or None, initial=matrix_initial(matrix))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            matrix_update(
                matrix=matrix,
                actor=request.user,
                name=data["name"],
                description=data["description"],
                **data["matrix"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, gettext("Matrix saved."))
            return redirect("risk:matrix", pk=matrix.pk)
    status = 400 if form.errors else 200
    return render(request, "risk/matrices/form.html", {"form": form, "matrix": matrix}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def matrix_activate_view(request, pk):
    """GET: every risk re-mapped onto this matrix, written nowhere. POST with the confirmation: apply it."""
    matrix = queries.get_matrix_for_user(request.user, pk, for_change=True)
    form = ActivateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            counts = matrix_activate(
                matrix=matrix, actor=request.user, confirmed=form.cleaned_data["confirm"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "“%(name)s” is now the active matrix: %(risks)s risk re-mapped, %(changed)s with a "
                    "changed level.",
                    "“%(name)s” is now the active matrix: %(risks)s risks re-mapped, %(changed)s with a "
                    "changed level.",
                    counts["risks"],
                )
                % {"name": matrix.name, "risks": counts["risks"], "changed": counts["level_changed"]},
            )
            return redirect("risk:matrix", pk=matrix.pk)
    preview = queries.activation_preview(matrix)
    page = Paginator(preview["rows"], PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"matrix": matrix, "form": form, "preview": preview, "page": page, "query": ""}
    return render(request, "risk/matrices/activate.html", context, status=400 if form.errors else 200)


urlpatterns = [
    path("matrices/", matrix_list, name="matrices"),
    path("matrices/new/", matrix_create_view, name="matrix_create"),
    path("matrices/<int:pk>/", matrix_detail, name="matrix"),
    path("matrices/<int:pk>/edit/", matrix_edit, name="matrix_edit"),
    path("matrices/<int:pk>/activate/", matrix_activate_view, name="matrix_activate"),
]
