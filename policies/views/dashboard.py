"""What the policies app shows outside its pages: the dashboard panels (for officers and auditors the
acknowledged share of each policy's version in force and the open "no" answers; for everyone with something
to acknowledge, what is pending), each a fixed number of queries whatever the data size; and the header
search's policies, by title, through the library's read rules."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dpms import charts
from dpms.formats import show_date
from policies.queries import followups, progress
from policies.queries.attestations import pending_assignments
from policies.queries.campaigns import reads_campaigns
from policies.queries.documents import policies_for_user

PANEL_POLICIES = 8
PANEL_LINES = 5


def _url(name: str, *args) -> str:
    return reverse(f"policies:{name}", args=args)


def _percent_bars(bars: list[charts.Bar]) -> list[charts.Bar]:
    """Bars on a scale of 0 to 100 %, not stretched to the largest share (40 % must not look complete)."""
    plot = charts.BAR_WIDTH - charts.BAR_LABEL - charts.BAR_VALUE
    for bar in bars:
        bar.width = round(plot * bar.value / 100, 1)
        bar.value_x = charts.BAR_LABEL + bar.width + 6
    return bars


def acknowledged_share_panel(request):
    """Officers and auditors: per policy (by title, up to eight), the share of the people asked who
    acknowledged the version in force. One query."""
    if not reads_campaigns(request.user):
        return None
    rows = progress.acknowledged_share(timezone.localdate(), limit=PANEL_POLICIES)
    if not rows:
        return None
    for row in rows:
        row["link"] = _url("version_acknowledgements", row["policy"].pk, row["version_number"])
    chart = charts.bar_chart(
        slug="policy-acknowledged",
        title=_("Acknowledged share of the version in force, per policy"),
        bars=[
            charts.Bar(row["policy"].title, row["percent"], link=row["link"], key="reviewed") for row in rows
        ],
        unit="%",
    )
    chart.bars = _percent_bars(chart.bars)
    return {
        "title": _("Policies: acknowledged share"),
        "chart": chart,
        "rows": rows,
        "link": _url("campaigns"),
        "link_label": _("Policy campaigns"),
    }


def open_no_answers_panel(request):
    """Officers and auditors: open "no" answers (their follow-ups) and how many are overdue. One query."""
    if not followups.sees_all_follow_ups(request.user):
        return None
    counts = followups.open_counts(timezone.now())
    link = _url("follow_ups")
    lines = []
    if counts.open:
        lines.append({"text": _("%(count)d open") % {"count": counts.open}, "link": f"{link}?scope=all"})
        lines.append(
            {
                "text": _("%(count)d overdue") % {"count": counts.overdue},
                "link": f"{link}?scope=all&overdue=on",
            }
        )
    return {
        "title": _("Open “no” answers"),
        "count": counts.open,
        "lines": lines,
        "empty": "" if counts.open else _("Every “no” answer's follow-up is resolved."),
        "link": f"{link}?scope=all",
        "link_label": _("Open the follow-ups"),
    }


def to_acknowledge_panel(request):
    """Everyone with pending assignments: the policies to read and acknowledge, soonest due first. One query
    (the first lines, one more than shown to know whether there are more); none shown for nothing pending."""
    pending = list(pending_assignments(request.user)[: PANEL_LINES + 1])
    if not pending:
        return None
    now = timezone.now()
    lines = []
    for assignment in pending[:PANEL_LINES]:
        campaign = assignment.campaign
        due = show_date(campaign.due_at)
        text = (
            _("%(title)s (overdue since %(due)s)") if campaign.due_at < now else _("%(title)s (due %(due)s)")
        ) % {"title": campaign.policy.title, "due": due}
        lines.append({"text": text, "link": _url("assignment", assignment.pk)})
    return {
        "title": _("Policies to acknowledge"),
        "count": None,
        "lines": lines,
        "more": len(pending) > PANEL_LINES,
        "link": _url("mine"),
        "link_label": _("Open My policies"),
    }


# --- The header's search ------------------------------------------------------------------------------
def search_policies(user, term: str, *, limit: int) -> list[dict]:
    """Policies ``user`` may read whose title holds ``term`` (one query)."""
    found = policies_for_user(user).filter(title__icontains=term).order_by("title")[:limit]
    return [
        {
            "title": policy.title,
            "detail": policy.summary or (_("archived") if policy.archived else ""),
            "url": _url("policy", policy.pk),
        }
        for policy in found
    ]


def policies_list_url(term: str) -> str:
    return f"{_url('library')}?{urlencode({'q': term})}"
