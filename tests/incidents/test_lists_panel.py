"""The dashboard's "Open incidents" panel: counts for security officers and auditors, nothing for staff."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from incidents.choices import OPEN_STATUSES, Status
from incidents.queries.lists import open_counts
from incidents.queries.visibility import incidents_with_internal_for_user
from incidents.views.lists import open_incidents_panel
from tests.dashboard_support import dashboard_html, panel_of
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory
from tests.incidents.lists_support import breach, make_incidents

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
PANEL = "incidents-open"


@pytest.fixture
def incidents(db):
    IncidentFactory.create_batch(2, severity=1, status=Status.INVESTIGATING)  # unacknowledged
    IncidentFactory(severity=3, status=Status.TRIAGED, acknowledged_at=timezone.now())
    IncidentFactory()  # untriaged
    IncidentFactory(severity=2, status=Status.CLOSED)  # not open
    breach("INC-2026-0100", aware_hours_ago=5, acknowledged_at=timezone.now())  # SEV1, clock running


def test_a_security_officer_sees_open_incidents_by_severity_with_links(
    client_for, security_officer, incidents
):
    client = client_for(security_officer)
    panel = panel_of(client, PANEL)
    assert panel["count"] == 5
    texts = [line["text"] for line in panel["lines"]]
    assert texts == [
        "SEV1: 3",
        "SEV2: 0",
        "SEV3: 1",
        "SEV4: 0",
        "Untriaged: 1",
        "Not acknowledged: 2",
        "Breach clocks running: 1",
    ]
    page = dashboard_html(client)
    assert "Open incidents" in page
    assert f'href="{reverse("incidents:queue")}?severity=1">SEV1: 3</a>' in page
    assert "?clock=unacknowledged" in page


def test_an_auditor_sees_the_panel_too(client_for, auditor, incidents):
    assert panel_of(client_for(auditor), PANEL)["count"] == 5


def test_staff_see_no_open_incidents_panel(client_for, staff, incidents):
    client = client_for(staff)
    assert panel_of(client, PANEL) is None
    assert "Breach clocks running" not in dashboard_html(client)


@pytest.mark.parametrize("total", [3, 300])
def test_the_panel_costs_one_query_whatever_the_number_of_incidents(
    security_officer, total, django_assert_num_queries
):
    now = timezone.now()
    IncidentFactory.create_batch(total, severity=2, status=Status.TRIAGED, next_escalation_at=now)
    IncidentFactory.create_batch(total // 3, is_breach=True, authority_deadline=now + timedelta(hours=1))
    request = RequestFactory().get(DASHBOARD)
    request.user = security_officer
    open_incidents_panel(request)  # warm the content-type cache used by the visibility subquery
    # One grouped query: every count at once, for the incidents the officer may see.
    with django_assert_num_queries(1):
        panel = open_incidents_panel(request)
    assert panel["count"] == total + total // 3


def test_the_counts_are_those_of_filtered_counts_over_every_visible_incident(security_officer):
    """Counting groups of (status, severity, acknowledged, clock running) adds up to the panel's numbers."""
    make_incidents(400, handlers=[security_officer, UserFactory()], reporters=UserFactory.create_batch(2))
    visible = incidents_with_internal_for_user(security_officer)
    open_ = visible.filter(status__in=OPEN_STATUSES)
    expected = {
        "untriaged": open_.filter(severity__isnull=True).count(),
        **{f"sev{n}": open_.filter(severity=n).count() for n in range(1, 5)},
        "unacknowledged": open_.filter(severity__isnull=False, acknowledged_at__isnull=True).count(),
        "running": visible.filter(is_breach=True, authority_decision="").count(),
    }
    assert min(expected.values()) > 0
    assert open_counts(security_officer) == expected


def test_a_running_clock_counts_without_any_open_incident(security_officer):
    breach("INC-2026-0200", aware_hours_ago=5, status=Status.CLOSED)
    assert open_counts(security_officer) == {
        "untriaged": 0,
        "sev1": 0,
        "sev2": 0,
        "sev3": 0,
        "sev4": 0,
        "unacknowledged": 0,
        "running": 1,
    }
