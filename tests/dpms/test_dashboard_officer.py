"""The security officer's dashboard: pictures of campaign completion, the risk portfolio, open incidents,
MTTA/MTTR and the breach clocks; every number links to a list showing exactly that many rows; the cost does
not grow with the data."""

from html import unescape

import pytest
from django.urls import reverse

from access.choices import Decision
from tests.dpms.dashboard_support import campaign_with, officer_world, panel_of

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


def rows_behind(client, link: str) -> int:
    """How many rows the list at ``link`` says it holds (its paginator's count)."""
    response = client.get(unescape(link))
    assert response.status_code == 200, link
    return response.context["page"].paginator.count


def test_the_officer_sees_every_chart_without_inline_style(client_for, security_officer, staff):
    officer_world(12, reporters=[staff])
    page = client_for(security_officer).get(DASHBOARD).content.decode()
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
    panel = panel_of(client.get(DASHBOARD), "incidents/lists/open_panel.html")
    bars = {bar.label: bar for bar in panel["chart"].bars}
    # 16 incidents, SEV1-4 in turn; every SEV4 is closed (resolved ones are still open).
    assert [bar.value for bar in panel["chart"].bars] == [4, 4, 4, 0, 0]  # SEV1-4, untriaged
    assert bars["SEV1"].link == f"{reverse('incidents:queue')}?severity=1"
    for bar in panel["chart"].bars[:2]:
        assert rows_behind(client, bar.link) == bar.value


def test_clocks_met_and_missed_link_to_the_queue_of_those_incidents(client_for, security_officer, staff):
    officer_world(24, reporters=[staff])
    client = client_for(security_officer)
    panel = panel_of(client.get(DASHBOARD), "incidents/lists/trend_panel.html")
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
    panel = panel_of(client.get(DASHBOARD), "risk/register/appetite_panel.html")
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
    panel = panel_of(client_for(auditor).get(DASHBOARD), "access/campaigns/completion_panel.html")
    (column,) = panel["chart"].columns
    assert [(s.series.label, s.value) for s in column.segments] == [
        ("Reviewed", 3),
        ("No response", 2),
        ("Pending", 1),
    ]
    assert column.long_label == "Q3"
    assert column.link == reverse("access:campaign_detail", args=[panel["rows"][0]["campaign"].pk])


@pytest.mark.parametrize("size", [5, 40])
def test_the_officer_dashboard_costs_the_same_at_any_size(
    client_for, security_officer, staff, size, django_assert_num_queries
):
    officer_world(size, reporters=[staff])
    client = client_for(security_officer)
    client.get(DASHBOARD)  # a session's first request also records it (allauth usersessions)
    # 42 queries. The page (13): session and user (2); allauth's user-session tracking (5); the latest
    # notifications (1); the viewer's groups (1); the header's unread count (1); saving the sliding session
    # (3). The panels (29), each a fixed number: review queue (1), reports' access (1), campaign completion
    # (1), my incidents (1), running clocks (2), open findings (2), access requests (1), joiners, movers and
    # leavers (3), open incidents (1), incident trend by month (1), risks above appetite with the portfolio's
    # twelve months (5), overdue risk actions (2), acceptances awaiting (1), risk reviews (1), open
    # vulnerabilities (2), your own open vulnerabilities (1: none, no panel), policies to acknowledge (1:
    # none, no panel), the acknowledged share per policy (1), open "no" answers (1).
    with django_assert_num_queries(42):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
