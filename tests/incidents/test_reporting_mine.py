"""My incidents: only the ones I reported, newest first, a fixed number of queries; the dashboard panel."""

import datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Severity, Status
from incidents.views.reporting import my_incidents_panel
from tests.dashboard_support import dashboard_html
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

MINE = reverse("incidents:mine")


def reported(user, count, **fields):
    start = timezone.now() - datetime.timedelta(days=count)
    return [
        IncidentFactory(reported_by=user, reported_at=start + datetime.timedelta(days=n), **fields)
        for n in range(count)
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(MINE)
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_only_my_incidents_newest_first(client_for, staff, outsider):
    older, newer = reported(staff, 2)
    IncidentFactory(reported_by=outsider, title="Not mine at all")
    IncidentFactory(reported_by=outsider, handler=staff, title="Handled, not reported")
    response = client_for(staff).get(MINE)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [newer, older]
    page = response.content.decode()
    assert "Not mine at all" not in page
    assert "Handled, not reported" not in page
    assert f'href="{reverse("incidents:detail", args=[newer.pk])}">{newer.reference}</a>' in page


def test_the_list_shows_status_severity_and_times(client_for, staff):
    IncidentFactory(reported_by=staff, status=Status.INVESTIGATING, severity=Severity.SEV2)
    IncidentFactory(reported_by=staff)
    page = client_for(staff).get(MINE).content.decode()
    assert "Investigating" in page
    assert "SEV2" in page
    assert "Untriaged" in page
    assert page.count("<time datetime=") == 4


def test_an_empty_list_invites_a_report(client_for, staff):
    page = client_for(staff).get(MINE).content.decode()
    assert "You have not reported any incident yet." in page
    assert f'href="{reverse("incidents:report")}"' in page


def test_the_list_is_paginated_by_fifty(client_for, staff):
    reported(staff, 51)
    client = client_for(staff)
    assert len(client.get(MINE).context["page"].object_list) == 50
    assert len(client.get(MINE, {"page": 2}).context["page"].object_list) == 1


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_incidents(client_for, staff):
    client = client_for(staff)
    reported(staff, 2)
    client.get(MINE)  # warm the per-process caches (content types, sessions)
    few = count_queries(client, MINE)
    reported(staff, 28)
    assert count_queries(client, MINE) == few


def panel_for(user):
    request = RequestFactory().get("/dashboard/")
    request.user = user
    return my_incidents_panel(request)


def test_the_panel_shows_my_latest_open_incidents(staff, django_assert_num_queries):
    reported(staff, 7)
    closed = IncidentFactory(reported_by=staff, status=Status.CLOSED)
    with django_assert_num_queries(2):  # the latest open ones; the open ones counted by status (the chart)
        panel = panel_for(staff)
    assert len(panel["incidents"]) == 5
    assert panel["more"] is True
    assert closed not in panel["incidents"]
    assert panel["report_link"] == reverse("incidents:report")
    assert panel["open_count"] == 7


def test_the_panel_says_so_when_nothing_is_open_and_hides_for_non_reporters(
    staff, outsider, django_assert_num_queries
):
    IncidentFactory(reported_by=staff, status=Status.DISMISSED)
    with django_assert_num_queries(1):  # the latest, open ones first: only a dismissed one
        assert panel_for(staff)["incidents"] == []
    with django_assert_num_queries(1):
        assert panel_for(outsider) is None


def test_the_dashboard_shows_the_panel(client_for, staff):
    incident = IncidentFactory(reported_by=staff, title="Lost my badge")
    page = dashboard_html(client_for(staff))
    assert 'data-testid="my-incidents-panel"' in page
    assert f"{incident.reference} Lost my badge" in page


def test_my_incidents_is_in_the_section_navigation(client_for, staff):
    response = client_for(staff).get(MINE)
    assert {"label": "My incidents", "url": MINE, "current": True} in response.context["app_subnav"]
