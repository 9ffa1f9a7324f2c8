"""Pages of closing a campaign: close, confirm a held close, and the evidence downloads of a closed one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.forms.closing import CampaignCloseForm, CampaignConfirmCloseForm
from access.queries import closing as queries
from access.services import evidence
from access.services.closing import campaign_close
from dpms.forms import add_service_errors


def _form(form_class, plan, data=None):
    """The close (or confirm) form; it asks to accept the defaults when items are undecided (how many:
    the plan's)."""
    return form_class(data, undecided=plan["pending"], default_label=plan["default_decision_label"])


def _close_page(request, campaign, plan, *, form=None, confirm_form=None, status=200):
    context = {
        "campaign": campaign,
        "plan": plan,
        "form": form or _form(CampaignCloseForm, plan),
        "confirm_form": confirm_form or _form(CampaignConfirmCloseForm, plan),
    }
    return render(request, "access/closing/close.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def campaign_close_page(request, pk):
    campaign = queries.get_campaign_to_close(request.user, pk)
    plan = queries.close_plan(campaign)
    if request.method != "POST":
        return _close_page(request, campaign, plan)
    form = _form(CampaignCloseForm, plan, request.POST)
    if form.is_valid():
        try:
            campaign = campaign_close(campaign=campaign, actor=request.user, now=timezone.now())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Campaign status: %(status)s.") % {"status": campaign.get_status_display()}
            )
            return redirect("access:campaign_close", pk=campaign.pk)
    return _close_page(request, campaign, plan, form=form, status=400)


@login_required
@require_POST
def campaign_confirm_close(request, pk):
    campaign = queries.get_campaign_to_close(request.user, pk)
    plan = queries.close_plan(campaign)
    form = _form(CampaignConfirmCloseForm, plan, request.POST)
    if form.is_valid():
        try:
            campaign_close(campaign=campaign, actor=request.user, now=timezone.now(), confirmed=True)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Close confirmed: the campaign is closed and its evidence produced."))
            return redirect("access:campaign_close", pk=campaign.pk)
    return _close_page(request, campaign, plan, confirm_form=form, status=400)


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def campaign_evidence_csv(request, pk):
    campaign = queries.get_campaign_evidence(request.user, pk)
    response = StreamingHttpResponse(
        evidence.evidence_stream(campaign), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{evidence.evidence_filename(campaign)}"'
    return response


@login_required
@require_GET
def campaign_evidence_manifest(request, pk):
    campaign = queries.get_campaign_evidence(request.user, pk)
    filename = f"access-review-{campaign.pk}-manifest.json"
    return _attachment(evidence.manifest_bytes(campaign), "application/json", filename)


urlpatterns = [
    path("campaigns/<int:pk>/close", campaign_close_page, name="campaign_close"),
    path("campaigns/<int:pk>/confirm-close", campaign_confirm_close, name="campaign_confirm_close"),
    path("campaigns/<int:pk>/evidence.csv", campaign_evidence_csv, name="campaign_evidence_csv"),
    path(
        "campaigns/<int:pk>/evidence-manifest.json",
        campaign_evidence_manifest,
        name="campaign_evidence_manifest",
    ),
]
