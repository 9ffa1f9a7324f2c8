"""The owners' dashboard panel "Your vulnerabilities": the open ones a person owns (or that sit on a system
they own) by severity, the overdue and the next deadline; each number opens the register filtered to exactly
those rows. Nothing for people who own none; a fixed number of queries whatever the data."""

import datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.access.factories import SystemFactory
from tests.dashboard_support import dashboard_html, panel_of, panel_query_counts
from tests.factories import UserFactory
from tests.vulnerabilities.factories import VulnerabilityFactory
from vulnerabilities.views.metrics import owner_panel

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
DASHBOARD = reverse("dashboard")
PANEL = 'data-testid="owner-vulnerability-panel"'
OWNER_KEY = "vulnerabilities-mine"


def _panel(client):
    return panel_of(client, OWNER_KEY)


def rows_behind(client, link: str) -> int:
    """How many rows the register at ``link`` says it holds (its paginator's count)."""
    response = client.get(unescape(link))
    assert response.status_code == 200, link
    return response.context["page"].paginator.count


@pytest.fixture
def owner_world(system_owner, owned_system):
    """Olivia's open vulnerabilities: on her system, and one she owns on someone else's; plus rows that are
    not hers or not open, which the panel must not count."""
    now = timezone.now()
    mine = [
        VulnerabilityFactory(system=owned_system, severity="critical", status="triaged", due_at=now - DAY),
        VulnerabilityFactory(system=owned_system, severity="critical", status="new", due_at=now + 3 * DAY),
        VulnerabilityFactory(system=owned_system, severity="high", status="in_remediation", due_at=now + DAY),
        VulnerabilityFactory(system=owned_system, severity="low", status="new", owner=UserFactory()),
        VulnerabilityFactory(system=SystemFactory(), severity="high", status="triaged", owner=system_owner),
    ]
    VulnerabilityFactory(system=owned_system, severity="medium", status="fixed", due_at=now - DAY)
    VulnerabilityFactory(system=SystemFactory(), severity="critical", status="new", due_at=now - DAY)
    return mine


def test_an_owner_sees_their_open_ones_by_severity_overdue_and_the_next_deadline(
    client_for, system_owner, owner_world
):
    client = client_for(system_owner)
    page = dashboard_html(client)
    assert PANEL in page
    assert "Your vulnerabilities" in page
    panel = _panel(client)
    assert panel["open_total"] == 5
    assert [(row["severity"], row["open"]) for row in panel["by_severity"]] == [
        ("critical", 2),
        ("high", 2),
        ("low", 1),
    ]
    assert panel["overdue"] == 1
    next_one = owner_world[2]  # high, due tomorrow: the soonest deadline not yet passed
    assert panel["next"].pk == next_one.pk
    assert reverse("vulnerabilities:vulnerability", args=[next_one.pk]) in page
    assert next_one.reference in page


def test_each_number_opens_the_register_with_exactly_those_rows(client_for, system_owner, owner_world):
    client = client_for(system_owner)
    panel = _panel(client)
    assert rows_behind(client, panel["open_link"]) == 5
    assert rows_behind(client, panel["overdue_link"]) == 1
    for row in panel["by_severity"]:
        assert rows_behind(client, row["link"]) == row["open"], row["severity"]
    page = dashboard_html(client)
    for link in [panel["open_link"], panel["overdue_link"], *(row["link"] for row in panel["by_severity"])]:
        assert f'href="{escape(link)}"' in page


def test_a_person_who_owns_none_sees_no_panel_for_one_query(
    rf, staff, owner_world, django_assert_num_queries
):
    request = rf.get(DASHBOARD)
    request.user = staff
    with django_assert_num_queries(1):  # the aggregate of their open ones: none
        assert owner_panel(request) is None


def test_people_without_open_ones_see_nothing(client_for, personas, system_owner, owned_system):
    VulnerabilityFactory(system=owned_system, status="fixed")  # settled: nothing to do
    for person in [*personas.values(), system_owner]:
        assert PANEL not in dashboard_html(client_for(person))


def test_an_officer_sees_the_register_panel_and_their_own_only_when_they_own_some(
    client_for, security_officer, owned_system
):
    VulnerabilityFactory(system=owned_system, severity="high")
    client = client_for(security_officer)
    page = dashboard_html(client)
    assert 'data-testid="vulnerability-panel"' in page
    assert PANEL not in page
    VulnerabilityFactory(system=owned_system, severity="medium", owner=security_officer)
    assert PANEL in dashboard_html(client)
    panel = _panel(client)
    assert panel["open_total"] == 1
    assert rows_behind(client, panel["open_link"]) == 1  # "mine" on the whole register: only theirs


@pytest.mark.parametrize("size", [3, 40])
def test_the_panel_costs_two_queries_at_any_size(
    rf, system_owner, owned_system, size, django_assert_num_queries
):
    now = timezone.now()
    for n in range(size):
        VulnerabilityFactory(
            system=owned_system,
            severity=["critical", "high", "medium", "low"][n % 4],
            status="triaged",
            due_at=now + (n - size // 2) * DAY,
        )
    request = rf.get(DASHBOARD)
    request.user = system_owner
    # The aggregate of their open ones by severity and overdue (1); the one with the next deadline (1).
    with django_assert_num_queries(2):
        panel = owner_panel(request)
    assert panel["open_total"] == size


@pytest.mark.parametrize("size", [3, 40])
def test_the_owner_dashboard_costs_the_same_at_any_size(
    client_for, system_owner, owned_system, size, django_assert_num_queries
):
    VulnerabilityFactory.create_batch(size, system=owned_system, due_at=timezone.now() + DAY)
    client = client_for(system_owner)
    client.get(DASHBOARD)  # a session's first request also records it (allauth usersessions)
    # The shell: 13 queries, as a staff member's (tests/dpms/test_dashboard.py); the panels load themselves.
    with django_assert_num_queries(13):
        client.get(DASHBOARD)
    # The panel's own request: 7 for any panel request (tests/dpms/test_dashboard.py), the aggregate of their
    # open ones (1) and, as this person owns some, the one with the next deadline (1).
    assert panel_query_counts(client)[OWNER_KEY] == 7 + 2
    assert PANEL in dashboard_html(client)
