"""Managers' and staff's dashboards: the review queue decided and pending, a manager's reports' access
(privileged apart), my open incidents by status; each number links to a list of exactly that many rows, and
the cost does not grow with the data."""

from html import unescape

import pytest
from django.urls import reverse

from access.choices import Decision
from incidents.choices import Status
from tests.access.factories import GrantFactory, RoleFactory
from tests.dashboard_support import dashboard_html, panel_of, panel_query_counts
from tests.dpms.dashboard_support import campaign_with
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
REPORTS = "access-reports"
QUEUE = "access-review-queue"
MINE = "incidents-mine"


def rows_behind(client, link: str) -> int:
    response = client.get(unescape(link))
    assert response.status_code == 200, link
    return response.context["page"].paginator.count


def give_access(person, count: int, *, privileged: int = 0):
    for n in range(count):
        GrantFactory(user=person, role=RoleFactory(privileged=n < privileged))


def test_a_manager_sees_each_report_s_access_with_links_to_those_grants(
    client_for, manager, staff, second_report
):
    give_access(staff, 3, privileged=1)
    give_access(second_report, 5, privileged=2)
    give_access(manager, 4)  # their own: not a report's
    client = client_for(manager)
    panel = panel_of(client, REPORTS)
    rows = {row["person"].email: row for row in panel["rows"]}
    assert list(rows) == [second_report.email, staff.email]  # most access first
    assert [(c.long_label, [s.value for s in c.segments]) for c in panel["chart"].columns] == [
        (second_report.full_name, [2, 3]),
        (staff.full_name, [1, 2]),
    ]
    assert rows_behind(client, rows[staff.email]["all_link"]) == 3
    assert rows_behind(client, rows[second_report.email]["privileged_link"]) == 2


def test_people_without_reports_get_no_reports_panel(client_for, staff):
    assert panel_of(client_for(staff), REPORTS) is None


def test_the_review_queue_panel_draws_decided_and_pending_with_links_to_the_queue(client_for, manager):
    campaign_with(
        [Decision.KEEP, Decision.REVOKE, Decision.PENDING, Decision.PENDING, Decision.PENDING],
        reviewer=manager,
    )
    client = client_for(manager)
    panel = panel_of(client, QUEUE)
    decided, pending = panel["chart"].bars
    assert (decided.value, pending.value) == (2, 3)
    assert pending.width == pytest.approx(1.5 * decided.width, abs=0.1)
    assert rows_behind(client, pending.link) == 3
    assert rows_behind(client, decided.link) == 2


def test_my_open_incidents_by_status_link_to_my_incidents_filtered(client_for, staff, second_report):
    for status in (Status.REPORTED, Status.REPORTED, Status.INVESTIGATING, Status.CLOSED):
        IncidentFactory(reported_by=staff, status=status)
    IncidentFactory(reported_by=second_report, status=Status.REPORTED)  # not mine
    client = client_for(staff)
    panel = panel_of(client, MINE)
    bars = {bar.label: bar for bar in panel["chart"].bars}
    assert (bars["Reported"].value, bars["Investigating"].value, bars["Triaged"].value) == (2, 1, 0)
    assert panel["open_count"] == 3
    assert rows_behind(client, bars["Reported"].link) == 2
    assert rows_behind(client, panel["open_link"]) == 3
    assert 'data-chart="my-incidents"' in dashboard_html(client)


@pytest.mark.parametrize("size", [2, 30])
def test_the_manager_dashboard_costs_the_same_at_any_size(
    client_for, manager, size, django_assert_num_queries
):
    for _n in range(size):
        report = UserFactory(manager=manager)
        give_access(report, 2, privileged=1)
        IncidentFactory(reported_by=manager, status=Status.REPORTED)
    campaign_with([Decision.PENDING] * size, reviewer=manager)
    client = client_for(manager)
    client.get(DASHBOARD)  # a session's first request also records it (allauth usersessions)
    # The shell, 13 queries: session and user (2); allauth's user-session tracking (5); the latest
    # notifications (1); the viewer's groups (1: also every panel's ``visible``); the header's unread count
    # (1); saving the sliding session (3). The officers' panels get no placeholder.
    with django_assert_num_queries(13):
        client.get(DASHBOARD)
    # Each panel's request: 10 for any request (session and user, user-session tracking, saving the session),
    # the viewer's groups (1) where the panel reads a role, and the panel's own.
    assert panel_query_counts(client) == {
        "access-review-queue": 7 + 1 + 1,  # the queue's counts
        "access-reports": 7 + 1,  # the reports' access
        "policies-to-acknowledge": 7 + 1,  # pending assignments (none: empty answer)
        "incidents-mine": 7 + 2,  # the latest reported and the open ones by status
        "access-approvals": 7 + 1 + 1,  # requests awaiting (none: empty answer)
        "risk-my-overdue-actions": 7 + 1 + 1,  # the count (none: empty answer)
        "risk-reviews": 7 + 1 + 1,  # the due and overdue counts (none: empty answer)
        "vulnerabilities-mine": 7 + 1,  # the aggregate of the open ones owned (none: empty answer)
    }
    panel = panel_of(client, REPORTS)
    assert len(panel["rows"]) == min(size, 8)
    assert panel["more"] is (size > 8)
