"""Pages of the access app: imports. Upload a CSV, read the preview (which writes nothing), confirm it
(all-or-nothing), and read the import history.

Between preview and confirm the uploaded bytes wait in the signed-in person's session (compressed), keyed by
their SHA-256; confirm re-reads them from there and checks everything again. The content never travels
through a form field.
"""

import base64
import zlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.forms.imports import ImportConfirmForm, ImportFilterForm, ImportUploadForm
from access.queries import imports as queries
from access.services import imports as services
from dpms.paging import paginate

SESSION_KEY = "access_import_pending"
PAGE_SIZE = 25


def _pending(request) -> dict | None:
    """The file waiting for confirmation: filename, sha256, full, content (bytes); None if there is none."""
    stored = request.session.get(SESSION_KEY)
    if not stored:
        return None
    content = zlib.decompress(base64.b64decode(stored["content"]))
    return {**stored, "content": content}


def _keep_pending(request, *, filename: str, content: bytes, full: bool) -> None:
    request.session[SESSION_KEY] = {
        "filename": filename,
        "sha256": services.file_sha256(content),
        "full": full,
        "content": base64.b64encode(zlib.compress(content)).decode("ascii"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    queries.require_upload(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        _keep_pending(request, filename=upload.name, content=upload.read(), full=form.cleaned_data["full"])
        return redirect("access:import_preview")
    context = {
        "form": form,
        "systems": queries.importable_systems(request.user).only("name"),
        "imports_every_system": queries.may_import_every_system(request.user),
    }
    return render(request, "access/imports/upload.html", context)


@login_required
@require_GET
def import_preview(request):
    """What the pending file would do, or every problem with its row. Reads only."""
    queries.require_upload(request.user)
    pending = _pending(request)
    if pending is None:
        messages.info(request, "Upload a file first.")
        return redirect("access:import_upload")
    plan = services.import_plan(
        actor=request.user, filename=pending["filename"], content=pending["content"], full=pending["full"]
    )
    confirm = ImportConfirmForm(initial={"sha256": plan.sha256})
    return render(request, "access/imports/preview.html", {"plan": plan, "confirm": confirm})


@login_required
@require_POST
def import_confirm(request):
    queries.require_upload(request.user)
    form, pending = ImportConfirmForm(request.POST), _pending(request)
    if not form.is_valid() or pending is None or pending["sha256"] != form.cleaned_data["sha256"]:
        return HttpResponseBadRequest("This preview is no longer current: upload the file again.")
    try:
        batch = services.import_apply(
            actor=request.user, filename=pending["filename"], content=pending["content"], full=pending["full"]
        )
    except ValidationError:
        messages.error(request, "The file no longer imports cleanly: nothing was imported. See the problems.")
        return redirect("access:import_preview")
    del request.session[SESSION_KEY]
    messages.success(
        request,
        f"Imported {batch.filename}: {batch.created_count} new, {batch.unchanged_count} unchanged, "
        f"{batch.flagged_count} flagged, {batch.revoked_present_count} revoked but still present.",
    )
    return redirect("access:import_list")


@login_required
@require_POST
def import_cancel(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("access:import_upload")


@login_required
@require_GET
def import_list(request):
    batches = queries.import_batches_for_user(request.user)
    form = ImportFilterForm(request.GET or None, systems=queries.history_systems(request.user))
    if form.is_bound and form.is_valid():
        batches = queries.filter_import_batches(batches, **form.cleaned_data)
    elif form.is_bound:
        batches = batches.none()
    else:
        batches = queries.filter_import_batches(batches)
    page, query = paginate(request, batches, PAGE_SIZE)
    context = {"form": form, "page": page, "query": query}
    context["can_upload"] = queries.can_upload_imports(request.user)
    return render(request, "access/imports/list.html", context)


urlpatterns = [
    path("imports/", import_list, name="import_list"),
    path("imports/upload/", import_upload, name="import_upload"),
    path("imports/preview/", import_preview, name="import_preview"),
    path("imports/confirm/", import_confirm, name="import_confirm"),
    path("imports/cancel/", import_cancel, name="import_cancel"),
]
