"""Pages of acknowledgement campaigns for security officers and auditors: the list, the launch (policy, due
date, the policy's questions editable before launch), a campaign's numbers and progress per team, its pending
people, the close with a confirmation, and the evidence downloads (CSV and manifest) once closed."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dpms.forms import add_service_errors
from dpms.paging import paginate, query_without_page
from policies.choices import CampaignStatus
from policies.forms.campaigns import (
    CampaignFilterForm,
    CloseForm,
    LaunchForm,
    LaunchPolicyForm,
    QuestionFormSet,
    question_initial,
)
from policies.queries import campaigns as access
from policies.queries import progress
from policies.services import campaigns as services

PAGE_SIZE = 25
TEAM_PAGE_SIZE = 50
PENDING_PAGE_SIZE = 50


def _require_read(user) -> None:
    if not access.reads_campaigns(user):
        raise PermissionDenied(_("Only security officers and auditors see policy campaigns."))


def _require_launch(user) -> None:
    if not access.may_launch_campaigns(user):
        raise PermissionDenied(_("Only security officers launch policy campaigns."))


@login_required
@require_GET
def campaign_list(request):
    _require_read(request.user)
    filters = CampaignFilterForm(request.GET or None)
    campaigns = progress.campaign_list(request.user, **filters.filters())
    page, query = paginate(request, campaigns, PAGE_SIZE)
    rows = [{"campaign": c, "numbers": progress.numbers_of(c)} for c in page.object_list]
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "query": query,
        "now": timezone.now(),
        "may_launch": access.may_launch_campaigns(request.user),
    }
    return render(request, "policies/campaigns/list.html", context)


def _end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of ``day`` in the viewer's time zone: a campaign due "on the 21st" is due all day."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


@login_required
def campaign_launch(request):
    _require_launch(request.user)
    chooser = LaunchPolicyForm(request.GET or None)
    if not chooser.is_valid():
        return render(request, "policies/campaigns/launch_choose.html", {"chooser": chooser})
    policy = chooser.cleaned_data["policy"]
    today = timezone.localdate()
    version = access.version_in_force(policy, today)
    if request.method == "POST":
        form = LaunchForm(request.POST)
        questions = QuestionFormSet(request.POST, prefix="q")
    else:
        form = LaunchForm(initial={"due_on": today + datetime.timedelta(days=policy.duration_days)})
        questions = QuestionFormSet(prefix="q", initial=question_initial(progress.template_questions(policy)))
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        if form.cleaned_data["due_on"] < today:
            form.add_error("due_on", _("The due date cannot be in the past."))
        else:
            try:
                campaign = services.campaign_launch(
                    actor=request.user,
                    policy=policy,
                    due_at=_end_of_day(form.cleaned_data["due_on"]),
                    questions=questions.questions(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Campaign launched: %(name)s.") % {"name": campaign.name})
                return redirect("policies:campaign_detail", pk=campaign.pk)
    context = {
        "policy": policy,
        "version": version,
        "population_count": access.population(policy).count(),
        "form": form,
        "questions": questions,
    }
    failed = request.method == "POST"
    return render(request, "policies/campaigns/launch.html", context, status=400 if failed else 200)


@login_required
@require_GET
def campaign_detail(request, pk):
    _require_read(request.user)
    campaign = progress.get_campaign(request.user, pk)
    now = timezone.now()
    teams, _query = paginate(request, progress.team_progress(campaign, now=now), TEAM_PAGE_SIZE)
    context = {
        "campaign": campaign,
        "numbers": progress.numbers_of(campaign),
        "teams": teams,
        "team_rows": [progress.team_row(row, campaign, now) for row in teams.object_list],
        "query": query_without_page(request),
        "now": now,
        "overdue": campaign.is_open and campaign.due_at < now,
        "may_close": access.may_close_campaigns(request.user) and campaign.is_open,
        "questions": access.campaign_questions(campaign),
        "evidence_filename": services.evidence_filename(campaign),
    }
    return render(request, "policies/campaigns/detail.html", context)


@login_required
@require_GET
def campaign_pending(request, pk):
    """The people who have not acknowledged yet (paged; ``team`` narrows it to one team)."""
    _require_read(request.user)
    campaign = progress.get_campaign(request.user, pk)
    team = request.GET.get("team")
    rows = progress.pending_people(campaign, team=team)
    page, query = paginate(request, rows, PENDING_PAGE_SIZE)
    context = {"campaign": campaign, "page": page, "query": query, "team": team, "now": timezone.now()}
    return render(request, "policies/campaigns/pending.html", context)


@login_required
def campaign_close(request, pk):
    """A confirmation page, then the close (security officers, while the campaign is open)."""
    _require_read(request.user)
    campaign = progress.get_campaign(request.user, pk)
    if not access.may_close_campaigns(request.user):
        raise PermissionDenied(_("Only security officers close policy campaigns."))
    if not campaign.is_open:
        return redirect("policies:campaign_detail", pk=campaign.pk)
    form = CloseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            closed = services.campaign_close(actor=request.user, campaign=campaign, now=timezone.now())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Campaign status: %(status)s.") % {"status": closed.get_status_display()}
            )
            return redirect("policies:campaign_detail", pk=campaign.pk)
    context = {"campaign": campaign, "numbers": progress.numbers_of(campaign), "form": form}
    return render(request, "policies/campaigns/close.html", context, status=400 if form.errors else 200)


def _closed_campaign(request, pk):
    _require_read(request.user)
    campaign = progress.get_campaign(request.user, pk)
    if campaign.status != CampaignStatus.CLOSED or not campaign.evidence_sha256:
        raise PermissionDenied(_("The evidence is frozen when the campaign closes."))
    return campaign


@login_required
@require_GET
def campaign_evidence_csv(request, pk):
    campaign = _closed_campaign(request, pk)
    response = StreamingHttpResponse(
        services.evidence_stream(campaign), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{services.evidence_filename(campaign)}"'
    return response


@login_required
@require_GET
def campaign_evidence_manifest(request, pk):
    campaign = _closed_campaign(request, pk)
    response = HttpResponse(services.manifest_bytes(campaign), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="policy-campaign-{campaign.pk}-manifest.json"'
    return response


urlpatterns = [
    path("campaigns/", campaign_list, name="campaigns"),
    path("campaigns/launch/", campaign_launch, name="campaign_launch"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/pending/", campaign_pending, name="campaign_pending"),
    path("campaigns/<int:pk>/close", campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/evidence.csv", campaign_evidence_csv, name="campaign_evidence_csv"),
    path("campaigns/<int:pk>/manifest.json", campaign_evidence_manifest, name="campaign_evidence_manifest"),
]
