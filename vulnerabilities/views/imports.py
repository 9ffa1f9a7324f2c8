"""Pages of the scanner imports: upload a report, follow its check and import in the background (an htmx
poll of ``_progress.html``), read what it did or why it imported nothing, and the list of imports."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from dpms.forms import add_service_errors
from dpms.middleware import without_session_renewal
from dpms.paging import paginate
from vulnerabilities.forms.imports import ScanImportFilterForm, ScanUploadForm
from vulnerabilities.queries import imports as queries
from vulnerabilities.queries.register import may_manage_vulnerabilities
from vulnerabilities.services import imports as services

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
def scan_import_upload(request):
    queries.require_upload(request.user)
    form = ScanUploadForm(
        request.POST or None,
        request.FILES or None,
        systems=queries.importable_systems(request.user),
        system_required=not may_manage_vulnerabilities(request.user),
        initial={"system": request.GET.get("system")},  # a system's page links here with its id
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            scan = services.scan_import_create(
                actor=request.user,
                filename=upload.name,
                content=upload.read(),
                system=form.cleaned_data["system"],
                format=form.cleaned_data["format"],
                full=form.cleaned_data["full"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("vulnerabilities:scan_import", scan.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "vulnerabilities/imports/upload.html", {"form": form}, status=status)


@login_required
@require_GET
def scan_import_detail(request, pk):
    """One import: its progress while it runs, then what it did, or every problem and nothing imported."""
    scan = queries.get_scan_import_for(request.user, pk)
    return render(request, "vulnerabilities/imports/detail.html", {"scan": scan})


@login_required
@require_GET
@without_session_renewal  # polled: not a sign of activity, and no 400 after a sign-out
def scan_import_progress(request, pk):
    """The progress partial, polled by htmx every 2 s while the import runs; reloads the page when done."""
    scan = queries.get_scan_import_for(request.user, pk, progress_only=True)
    response = render(request, "vulnerabilities/imports/_progress.html", {"scan": scan})
    if not scan.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def scan_import_list(request):
    imports = queries.scan_imports_for_user(request.user)
    form = ScanImportFilterForm(request.GET or None, systems=queries.importable_systems(request.user))
    if form.is_bound and form.is_valid():
        if form.cleaned_data["system"] is not None:
            imports = imports.filter(system=form.cleaned_data["system"])
        if form.cleaned_data["state"]:
            imports = imports.filter(state=form.cleaned_data["state"])
    elif form.is_bound:
        imports = imports.none()
    page, query = paginate(request, imports.defer("content", "result"), PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "can_upload": queries.can_upload_scans(request.user),
    }
    return render(request, "vulnerabilities/imports/list.html", context)


urlpatterns = [
    path("imports/", scan_import_list, name="scan_imports"),
    path("imports/upload/", scan_import_upload, name="scan_import_upload"),
    path("imports/<int:pk>/", scan_import_detail, name="scan_import"),
    path("imports/<int:pk>/progress/", scan_import_progress, name="scan_import_progress"),
]
