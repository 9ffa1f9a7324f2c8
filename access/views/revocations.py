"""Pages of the access app: revocation tasks, and closing a campaign (close, confirm, evidence downloads)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.forms.revocations import (
    CampaignCloseForm,
    CampaignConfirmCloseForm,
    RevocationDoneForm,
    RevocationFilterForm,
)
from access.queries import revocations as queries
from access.services import evidence
from access.services.closing import campaign_close, close_plan
from access.services.revocations import may_complete, revocation_task_done
from dpms.paging import paginate

PAGE_SIZE = 50


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_GET
def revocation_list(request):
    form = RevocationFilterForm(request.GET or None)
    tasks = queries.tasks_for_list(request.user)
    if form.is_bound and form.is_valid():
        tasks = queries.filter_tasks(tasks, now=timezone.now(), **form.cleaned_data)
    elif form.is_bound:
        tasks = tasks.none()
    else:
        tasks = queries.filter_tasks(tasks)
    page, query = paginate(request, tasks, PAGE_SIZE)
    context = {"form": form, "page": page, "query": query, "now": timezone.now()}
    return render(request, "access/revocations/list.html", context)


@login_required
@require_GET
def revocation_detail(request, pk):
    task = queries.get_task_for_user(request.user, pk, for_change=False)
    can_complete = task.status == "open" and may_complete(request.user, task)
    context = {"task": task, "form": RevocationDoneForm(), "can_complete": can_complete}
    return render(request, "access/revocations/detail.html", context)


@login_required
@require_POST
def revocation_done(request, pk):
    task = queries.get_task_for_user(request.user, pk, for_change=True)
    form = RevocationDoneForm(request.POST)
    if form.is_valid():
        try:
            revocation_task_done(
                task=task, actor=request.user, note=form.cleaned_data["note"], now=timezone.now()
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "The revocation is recorded as done.")
            return redirect("access:revocation_detail", pk=task.pk)
    context = {"task": task, "form": form, "can_complete": True}
    return render(request, "access/revocations/detail.html", context, status=400)


def _close_page(request, campaign, form, confirm_form, status=200):
    context = {"campaign": campaign, "plan": close_plan(campaign), "form": form, "confirm_form": confirm_form}
    return render(request, "access/closing/close.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def campaign_close_page(request, pk):
    campaign = queries.get_campaign_to_close(request.user, pk)
    if request.method != "POST":
        return _close_page(request, campaign, CampaignCloseForm(), CampaignConfirmCloseForm())
    form = CampaignCloseForm(request.POST)
    if form.is_valid():
        try:
            campaign = campaign_close(campaign=campaign, actor=request.user, now=timezone.now())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Campaign status: {campaign.get_status_display()}.")
            return redirect("access:campaign_close", pk=campaign.pk)
    return _close_page(request, campaign, form, CampaignConfirmCloseForm(), status=400)


@login_required
@require_POST
def campaign_confirm_close(request, pk):
    campaign = queries.get_campaign_to_close(request.user, pk)
    form = CampaignConfirmCloseForm(request.POST)
    if form.is_valid():
        try:
            campaign_close(campaign=campaign, actor=request.user, now=timezone.now(), confirmed=True)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Close confirmed: the campaign is closed and its evidence produced.")
            return redirect("access:campaign_close", pk=campaign.pk)
    return _close_page(request, campaign, CampaignCloseForm(), form, status=400)


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def campaign_evidence_csv(request, pk):
    campaign = queries.get_campaign_evidence(request.user, pk)
    content_type = "text/csv; charset=utf-8"
    return _attachment(evidence.evidence_bytes(campaign), content_type, evidence.evidence_filename(campaign))


@login_required
@require_GET
def campaign_evidence_manifest(request, pk):
    campaign = queries.get_campaign_evidence(request.user, pk)
    filename = f"access-review-{campaign.pk}-manifest.json"
    return _attachment(evidence.manifest_bytes(campaign), "application/json", filename)


urlpatterns = [
    path("revocations/", revocation_list, name="revocation_list"),
    path("revocations/<int:pk>/", revocation_detail, name="revocation_detail"),
    path("revocations/<int:pk>/done", revocation_done, name="revocation_done"),
    path("campaigns/<int:pk>/close", campaign_close_page, name="campaign_close"),
    path("campaigns/<int:pk>/confirm-close", campaign_confirm_close, name="campaign_confirm_close"),
    path("campaigns/<int:pk>/evidence.csv", campaign_evidence_csv, name="campaign_evidence_csv"),
    path(
        "campaigns/<int:pk>/evidence-manifest.json",
        campaign_evidence_manifest,
        name="campaign_evidence_manifest",
    ),
]
