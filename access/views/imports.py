"""Pages of the access app: imports. Upload a CSV, follow its check in the background, read what it would
do (which writes nothing), confirm it (applied all-or-nothing in the background), and read the history.

The uploaded file waits in an ``ImportJob`` row, never in the session or a form field; its page
(``imports/<id>/``) shows the progress while a task works on it (an htmx poll of ``_progress.html``), then
the check's result, then the import's.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.forms.imports import ImportFilterForm, ImportUploadForm
from access.queries import imports as queries
from access.services import imports as services
from dpms.forms import add_service_errors
from dpms.middleware import without_session_renewal
from dpms.paging import paginate

PAGE_SIZE = 25
OPEN_JOBS_SHOWN = 20


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    queries.require_upload(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_create(
                actor=request.user,
                filename=upload.name,
                content=upload.read(),
                full=form.cleaned_data["full"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("access:import_job", job.pk)
    context = {
        "form": form,
        "systems": queries.importable_systems(request.user).only("name"),
        "imports_every_system": queries.may_import_every_system(request.user),
    }
    return render(request, "access/imports/upload.html", context)


@login_required
@require_GET
def import_job(request, pk):
    """An uploaded file: the progress while it is worked on, then what it would do or did, or why not."""
    job = queries.get_import_job_for(request.user, pk)
    context = {"job": job, "may_act": queries.may_act_on_import_job(request.user, job)}
    return render(request, "access/imports/job.html", context)


@login_required
@require_GET
@without_session_renewal  # polled: not a sign of activity, and no 400 after a sign-out
def import_job_progress(request, pk):
    """The progress partial: htmx polls it every 2 s while the file is checked or imported."""
    job = queries.get_import_job_for(request.user, pk, progress_only=True)
    response = render(request, "access/imports/_progress.html", {"job": job})
    if not job.running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # done: reload once, so the page shows the result
    return response


@login_required
@require_POST
def import_job_confirm(request, pk):
    job = queries.get_import_job_for(request.user, pk)
    queries.require_act_on_import_job(request.user, job)
    try:
        services.import_job_confirm(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("access:import_job", job.pk)


@login_required
@require_POST
def import_job_discard(request, pk):
    job = queries.get_import_job_for(request.user, pk)
    queries.require_act_on_import_job(request.user, job)
    try:
        services.import_job_discard(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("access:import_job", job.pk)
    messages.info(request, f"Discarded {job.filename}: nothing was imported.")
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
    context["open_jobs"] = queries.open_import_jobs(request.user)[:OPEN_JOBS_SHOWN]
    context["unconfirmed_kept_days"] = services.UNCONFIRMED_KEPT.days
    return render(request, "access/imports/list.html", context)


urlpatterns = [
    path("imports/", import_list, name="import_list"),
    path("imports/upload/", import_upload, name="import_upload"),
    path("imports/<int:pk>/", import_job, name="import_job"),
    path("imports/<int:pk>/progress/", import_job_progress, name="import_job_progress"),
    path("imports/<int:pk>/confirm/", import_job_confirm, name="import_job_confirm"),
    path("imports/<int:pk>/discard/", import_job_discard, name="import_job_discard"),
]
