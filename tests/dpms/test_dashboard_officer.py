"""The security officer's dashboard: pictures of campaign completion, the risk portfolio, open incidents,
MTTA/MTTR and the breach clocks; every number links to a list showing exactly that many rows; the cost does
not grow with the data."""

import re
from html import unescape

import pytest
from django.urls import reverse

from access.choices import Decision
from tests.dashboard_support import dashboard_html, panel_keys, panel_of, panel_query_counts
from tests.dpms.dashboard_support import campaign_with, officer_world

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


def rows_behind(client, link: str) -> int:
    """How many rows the list at ``link`` says it holds (its paginator's count)."""
    response = client.get(unescape(link))
    assert response.status_code == 200, link
    return response.context["page"].paginator.count


def test_the_officer_sees_every_chart_without_inline_style(client_for, security_officer, staff):
    officer_world(12, reporters=[staff])
    page = dashboard_html(client_for(security_officer))
    for slug in (
        "campaign-completion",
        "risk-portfolio",
        "risk-above-appetite",
        "open-incidents",
        "dashboard-mttr",
        "dashboard-clocks",
    ):
        assert f'data-chart="{slug}"' in page, slug
    main = page.split('<main id="main"')[1]
    assert "style=" not in main
    assert "<script" not in main


def test_open_incidents_by_severity_link_to_queues_of_that_many(client_for, security_officer, staff):
    officer_world(16, reporters=[staff])
    client = client_for(security_officer)
    panel = panel_of(client, "incidents-open")
    bars = {bar.label: bar for bar in panel["chart"].bars}
    # 16 incidents, SEV1-4 in turn; every SEV4 is closed (resolved ones are still open).
    assert [bar.value for bar in panel["chart"].bars] == [4, 4, 4, 0, 0]  # SEV1-4, untriaged
    assert bars["SEV1"].link == f"{reverse('incidents:queue')}?severity=1"
    for bar in panel["chart"].bars[:2]:
        assert rows_behind(client, bar.link) == bar.value


def test_clocks_met_and_missed_link_to_the_queue_of_those_incidents(client_for, security_officer, staff):
    officer_world(24, reporters=[staff])
    client = client_for(security_officer)
    panel = panel_of(client, "incidents-trend")
    # 8 breaches: 2 decided in time, 2 decided late, 3 undecided past the deadline, 1 still running.
    assert (panel["met"], panel["missed"]) == (2, 5)
    assert rows_behind(client, panel["met_link"]) == panel["met"]
    assert rows_behind(client, panel["missed_link"]) == panel["missed"]
    clocks = panel["charts"]["clocks"]
    assert sum(column.total for column in clocks.columns) == 7
    month = next(column for column in clocks.columns if column.segments[1].value)
    assert rows_behind(client, month.segments[1].link) == month.segments[1].value


def test_risks_above_appetite_and_by_level_link_to_the_register_filtered(client_for, security_officer, staff):
    world = officer_world(21, reporters=[staff])
    client = client_for(security_officer)
    panel = panel_of(client, "risk-appetite")
    # 21 risks at likelihood 0-4 (impact 4), level (likelihood + 4) // 2; every 7th closed 100 days ago:
    # 18 live, 8 moderate, 7 high, 3 very high (the appetite is moderate).
    assert [level["count"] for level in panel["levels"]] == [0, 0, 8, 7, 3]
    assert panel["count"] == 10
    assert rows_behind(client, panel["count_link"]) == 10
    for level in panel["levels"][2:4]:
        assert rows_behind(client, level["link"]) == level["count"]
    # Twelve months back, the closed ones were still live, and the seven reviewed 90 days ago were at the
    # level they had before the review (very low).
    history = panel["portfolio"].columns
    assert len(history) == 12
    assert history[-1].total == 18
    assert history[0].total == 21
    assert history[0].segments[0].value == 7
    assert history[-1].segments[0].value == 0
    assert world["matrix"].appetite == 2


def test_campaign_completion_counts_reviewed_defaulted_and_pending_apart(client_for, auditor):
    campaign_with([Decision.KEEP] * 3 + [Decision.NO_RESPONSE] * 2 + [Decision.PENDING], name="Q3")
    panel = panel_of(client_for(auditor), "access-campaigns")
    (column,) = panel["chart"].columns
    assert [(s.series.label, s.value) for s in column.segments] == [
        ("Reviewed", 3),
        ("No response", 2),
        ("Pending", 1),
    ]
    assert column.long_label == "Q3"
    assert column.link == reverse("access:campaign_detail", args=[panel["rows"][0]["campaign"].pk])


# Each panel's own request: 7 for any panel request (session and user (2); allauth's user-session tracking
# (5); the session is not saved again: the shell's request renewed it, ``without_session_renewal``), the
# viewer's groups (1) when the panel's ``visible`` or its context reads a role, and the panel's own queries.
REQUEST, GROUPS = 7, 1
OFFICER_PANELS = {
    "access-review-queue": REQUEST + GROUPS + 1,  # the queue's counts (none: empty answer)
    "access-reports": REQUEST + 1,  # the reports' access (none: empty answer)
    "access-campaigns": REQUEST + GROUPS + 1,  # the latest campaigns with their tallies summed
    "policies-to-acknowledge": REQUEST + 1,  # pending assignments (none: empty answer)
    "incidents-mine": REQUEST + 1,  # the latest reported (none: empty answer)
    "incidents-clocks": REQUEST + GROUPS + 2,  # the count and the nearest clocks
    "access-findings": REQUEST + GROUPS + 2,  # the count and the first findings
    "access-approvals": REQUEST + GROUPS + 1,  # requests awaiting (none: empty answer)
    "access-movements": REQUEST + GROUPS + 3,  # joiners/movers/leavers counts, the latest, leavers' tasks
    "incidents-open": REQUEST + GROUPS + 1,  # one aggregate
    "incidents-trend": REQUEST + GROUPS + 1,  # one grouped query by month
    "risk-appetite": REQUEST + GROUPS + 5,  # matrix, count, lines, the portfolio's twelve months (2)
    "risk-my-overdue-actions": REQUEST + GROUPS + 1,  # the count (none: empty answer)
    "risk-overdue-actions": REQUEST + GROUPS + 1,  # the count across the register
    "risk-acceptances": REQUEST + GROUPS + 1,  # awaiting approval (none: empty answer)
    "risk-reviews": REQUEST + GROUPS + 1,  # due and overdue counts
    "vulnerabilities-remediation": REQUEST + GROUPS + 2,  # open by severity, time to remediate
    "vulnerabilities-mine": REQUEST + 1,  # the viewer's own (none: empty answer)
    "policies-acknowledged-share": REQUEST + GROUPS + 1,  # the share per policy (none: empty answer)
    "policies-open-no-answers": REQUEST + GROUPS + 1,  # open and overdue follow-ups
}


@pytest.mark.parametrize("size", [5, 40])
def test_the_officer_dashboard_shell_costs_the_same_at_any_size(
    client_for, security_officer, staff, size, django_assert_num_queries
):
    officer_world(size, reporters=[staff])
    client = client_for(security_officer)
    client.get(DASHBOARD)  # a session's first request also records it (allauth usersessions)
    # 13 queries, whatever the panels hold: session and user (2); allauth's user-session tracking (5); the
    # latest notifications (1); the viewer's groups (1: also every panel's ``visible``); the header's unread
    # count (1); saving the sliding session (3). The panels load themselves.
    with django_assert_num_queries(13):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert panel_keys(response.content.decode()) == list(OFFICER_PANELS)


@pytest.mark.parametrize("size", [5, 40])
def test_each_officer_panel_costs_the_same_at_any_size(client_for, security_officer, staff, size):
    officer_world(size, reporters=[staff])
    assert panel_query_counts(client_for(security_officer)) == OFFICER_PANELS


NOSCRIPT = re.compile(r'\s*<noscript><p class="muted" data-testid="panels-without-js">.*?</noscript>', re.S)
CSRF = re.compile(r"\b[A-Za-z0-9]{64}\b")  # a masked CSRF token: another for each response


def comparable(html: str) -> str:
    """The page without what differs from one response to the next: CSRF tokens, and blank lines."""
    return re.sub(r"\n\s*(?=\n)", "", CSRF.sub("token", html))


def test_without_javascript_the_dashboard_offers_every_panel_in_place(client_for, security_officer, staff):
    """The shell tells a browser without JavaScript where the panels are: the same page with each panel
    rendered in place, exactly as its own request answers it."""
    officer_world(5, reporters=[staff])
    client = client_for(security_officer)
    shell = client.get(DASHBOARD).content.decode()
    (offer,) = NOSCRIPT.findall(shell)
    assert f'href="{DASHBOARD}?panels=inline"' in offer

    inline = client.get(DASHBOARD, {"panels": "inline"}).content.decode()

    assert not NOSCRIPT.search(inline)
    assert 'class="card panel panel-loading"' not in inline
    assert comparable(inline) == comparable(NOSCRIPT.sub("", dashboard_html(client)))
    assert 'data-chart="risk-portfolio"' in inline


@pytest.mark.parametrize("size", [5, 40])
def test_the_dashboard_with_every_panel_in_place_costs_the_same_at_any_size(
    client_for, security_officer, staff, size, django_assert_num_queries
):
    officer_world(size, reporters=[staff])
    client = client_for(security_officer)
    client.get(DASHBOARD)
    # The shell's 13 and each panel's own queries (its request's 7 and the groups are the page's already).
    own = sum(
        count - REQUEST - GROUPS if count > REQUEST + 1 else count - REQUEST
        for count in OFFICER_PANELS.values()
    )
    with django_assert_num_queries(13 + own):
        response = client.get(DASHBOARD, {"panels": "inline"})
    assert response.status_code == 200
