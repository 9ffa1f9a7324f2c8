"""Managers' and staff's dashboards: the review queue decided and pending, a manager's reports' access
(privileged apart), my open incidents by status; each number links to a list of exactly that many rows, and
the cost does not grow with the data."""

from html import unescape

import pytest
from django.urls import reverse

from access.choices import Decision
from incidents.choices import Status
from tests.access.factories import GrantFactory, RoleFactory
from tests.dpms.dashboard_support import campaign_with, panel_of
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
REPORTS = "access/register/reports_panel.html"
QUEUE = "access/reviews/panel.html"
MINE = "incidents/reporting/panel.html"


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
    panel = panel_of(client.get(DASHBOARD), REPORTS)
    rows = {row["person"].email: row for row in panel["rows"]}
    assert list(rows) == [second_report.email, staff.email]  # most access first
    assert [(c.long_label, [s.value for s in c.segments]) for c in panel["chart"].columns] == [
        (second_report.full_name, [2, 3]),
        (staff.full_name, [1, 2]),
    ]
    assert rows_behind(client, rows[staff.email]["all_link"]) == 3
    assert rows_behind(client, rows[second_report.email]["privileged_link"]) == 2


def test_people_without_reports_get_no_reports_panel(client_for, staff):
    assert panel_of(client_for(staff).get(DASHBOARD), REPORTS) is None


def test_the_review_queue_panel_draws_decided_and_pending_with_links_to_the_queue(client_for, manager):
    campaign_with(
        [Decision.KEEP, Decision.REVOKE, Decision.PENDING, Decision.PENDING, Decision.PENDING],
        reviewer=manager,
    )
    client = client_for(manager)
    panel = panel_of(client.get(DASHBOARD), QUEUE)
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
    response = client.get(DASHBOARD)
    panel = panel_of(response, MINE)
    bars = {bar.label: bar for bar in panel["chart"].bars}
    assert (bars["Reported"].value, bars["Investigating"].value, bars["Triaged"].value) == (2, 1, 0)
    assert panel["open_count"] == 3
    assert rows_behind(client, bars["Reported"].link) == 2
    assert rows_behind(client, panel["open_link"]) == 3
    assert 'data-chart="my-incidents"' in response.content.decode()


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
    # 22 queries. The page (13): session and user (2); allauth's user-session tracking (5); the latest
    # notifications (1); the viewer's groups (1); the header's unread count (1); saving the sliding session
    # (3). The panels (9): review queue (1), reports' access (1), my incidents: the latest and the open ones
    # by status (2), access requests awaiting (1), overdue risk actions (1), risk reviews (1), your
    # vulnerabilities (1: none owned, no panel), policies to acknowledge (1: none, no panel). The officers'
    # panels read nothing for a manager.
    with django_assert_num_queries(22):
        response = client.get(DASHBOARD)
    panel = panel_of(response, REPORTS)
    assert len(panel["rows"]) == min(size, 8)
    assert panel["more"] is (size > 8)
