"""Pages of the access app: campaigns (list, detail with progress, launch progress partial)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from access.choices import CampaignStatus
from access.forms.campaigns import CampaignFilterForm
from access.queries import campaigns as queries
from access.queries import closing
from access.services.policies import period_label
from dpms import charts
from dpms.middleware import without_session_renewal
from dpms.paging import paginate, query_without_page

PAGE_SIZE = 25


@login_required
@require_GET
def campaign_list(request):
    filters = CampaignFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    policy = criteria.get("policy")
    campaigns = queries.campaigns_for(
        request.user,
        q=criteria.get("q") or "",
        status=criteria.get("status") or "",
        policy_id=policy.pk if policy else None,
        sort=criteria.get("sort") or "-launched",
    )
    page, query = paginate(request, campaigns, PAGE_SIZE)
    context = {"filters": filters, "page": page, "query": query, "now": timezone.now()}
    return render(request, "access/campaigns/list.html", context)


@login_required
@require_GET
def campaign_detail(request, pk):
    # The campaign's numbers come from the dashboard's counts by decision, not summed again with it.
    campaign = queries.get_campaign_for(request.user, pk, progress=False)
    now = timezone.now()
    dashboard = queries.campaign_dashboard(
        campaign,
        now=now,
        reviewer_page=request.GET.get("page"),
        reviewer_sort=request.GET.get("reviewers", "pending"),
    )
    # The page writes 51 sets of numbers: worded together, their sentences translated once.
    queries.CampaignNumbers.word_all([dashboard.numbers, *(row.numbers for row in dashboard.reviewers)])
    context = {
        "campaign": campaign,
        "dashboard": dashboard,
        "query": query_without_page(request),
        "numbers": dashboard.numbers,
        "period": period_label(campaign.period_key),
        "now": now,
        "may_close": closing.may_close(request.user),
        "may_read_evidence": closing.may_read_evidence(request.user),
    }
    return render(request, "access/campaigns/detail.html", context)


@login_required
@require_GET
@without_session_renewal  # polled: not a sign of activity, and no 400 after a sign-out
def campaign_launch_progress(request, pk):
    """The launch progress partial: htmx polls it every 2 s while the campaign is launching."""
    campaign = queries.get_campaign_for(request.user, pk)
    response = render(request, "access/campaigns/_launch_progress.html", {"campaign": campaign})
    if campaign.status != CampaignStatus.LAUNCHING and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # launched: reload once, so progress and reviewers show the items
    return response


urlpatterns = [
    path("campaigns/", campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/launch-progress/", campaign_launch_progress, name="campaign_launch_progress"),
]


PANEL_CAMPAIGNS = 8


def completion_panel(request):
    """Dashboard panel for security officers and auditors: the latest campaigns' items reviewed by a person,
    defaulted (no response) and pending, oldest first; each campaign links to its page. One query (the
    tallies summed per campaign)."""
    if not queries.can_read_campaigns(request.user):
        return None
    latest = list(queries.campaigns_for(request.user, sort="-launched")[:PANEL_CAMPAIGNS])[::-1]
    if not latest:
        return None
    reviewed = charts.Series("reviewed", _("Reviewed"))
    defaulted = charts.Series("defaulted", _("No response"))
    pending = charts.Series("pending", _("Pending"))
    rows = []
    for campaign in latest:
        numbers = queries.numbers_of(campaign)
        rows.append(
            {
                "campaign": campaign,
                "numbers": numbers,
                "link": reverse("access:campaign_detail", args=[campaign.pk]),
                "label": formats.date_format(timezone.localtime(campaign.launched_at), "j M"),
            }
        )
    columns = [
        charts.Column(
            row["label"],
            long_label=row["campaign"].name,
            link=row["link"],
            segments=[
                charts.Segment(reviewed, row["numbers"].reviewed),
                charts.Segment(defaulted, row["numbers"].defaulted),
                charts.Segment(pending, row["numbers"].pending),
            ],
        )
        for row in rows
    ]
    return {
        "title": _("Access review campaigns"),
        "chart": charts.stacked_bar_chart(
            slug="campaign-completion",
            title=_("Items reviewed, defaulted and pending, by campaign launched"),
            series=[reviewed, defaulted, pending],
            columns=columns,
            x_title=_("Campaign"),
        ),
        "rows": rows[::-1],  # the newest first under the chart
        "link": reverse("access:campaigns"),
        "link_label": _("All campaigns"),
    }
