"""The incident queue through the API: who sees which incident (as on the queue page), the page's filters
validated by its form, cursor pages, and a fixed number of queries at any size."""

import pytest
from django.urls import reverse

from incidents.choices import Severity, Status
from incidents.models import Incident
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("api:incident-list")
MINE = reverse("api:incident-mine")


def ids(client, query=None):
    response = client.get(QUEUE, query or {})
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def cast(staff, manager, security_officer, outsider):
    return {
        "mine": incident_at(Status.REPORTED, reporter=staff, handler=None),
        "sev1": incident_at(Status.INVESTIGATING, reporter=outsider, handler=manager, severity=Severity.SEV1),
        "secret": incident_at(Status.TRIAGED, reporter=outsider, handler=manager, confidential=True),
        "closed": incident_at(Status.CLOSED, reporter=outsider, handler=security_officer),
    }


def test_each_person_lists_what_the_queue_page_shows_them(cast, staff, manager, security_officer, auditor):
    pk = {key: incident.pk for key, incident in cast.items()}
    assert ids(api_client(token_for(staff)[1])) == {pk["mine"]}
    assert ids(api_client(token_for(manager)[1])) == {pk["sev1"], pk["secret"]}
    officer = api_client(token_for(security_officer)[1])
    assert ids(officer) == {pk["mine"], pk["sev1"]}  # not the confidential one; open only by default
    assert ids(officer, {"status": "all"}) == {pk["mine"], pk["sev1"], pk["closed"]}
    assert ids(api_client(token_for(auditor)[1]), {"status": "all"}) == set(pk.values())


def test_the_page_filters_apply(cast, security_officer, manager):
    officer = api_client(token_for(security_officer)[1])
    assert ids(officer, {"severity": "1"}) == {cast["sev1"].pk}
    assert ids(officer, {"severity": "untriaged"}) == {cast["mine"].pk}
    assert ids(officer, {"q": cast["sev1"].reference}) == {cast["sev1"].pk}
    assert ids(officer, {"handler": manager.email}) == {cast["sev1"].pk}
    assert ids(officer, {"handler": "none"}) == {cast["mine"].pk}


def test_a_bad_filter_is_a_400_with_the_field(security_officer):
    response = api_client(token_for(security_officer)[1]).get(QUEUE, {"severity": "7", "clock": "x"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"severity", "clock"}


def test_a_reporter_learns_nothing_internal_from_a_row(staff, security_officer):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer, is_breach=True)
    row = api_client(token_for(staff)[1]).get(QUEUE).json()["results"][0]
    assert row["id"] == incident.pk
    assert row["is_breach"] is None
    assert row["nearest_deadline"] is None
    row = api_client(token_for(security_officer)[1]).get(QUEUE).json()["results"][0]
    assert row["is_breach"] is True


def test_mine_lists_my_reports_only(cast, staff):
    body = api_client(token_for(staff)[1]).get(MINE).json()
    assert [row["id"] for row in body["results"]] == [cast["mine"].pk]


def test_cursor_pages_walk_the_queue_once(security_officer, staff):
    Incident.objects.bulk_create(IncidentFactory.build_batch(7, reported_by=staff))
    api = api_client(token_for(security_officer)[1])
    seen, url = [], QUEUE + "?page_size=3"
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_lists_run_a_fixed_number_of_queries(
    rows, staff, manager, security_officer, django_assert_num_queries
):
    Incident.objects.bulk_create(
        IncidentFactory.build_batch(rows, reported_by=staff, handler=manager, severity=2, status="triaged")
    )
    officer, reporter = api_client(token_for(security_officer)[1]), api_client(token_for(staff)[1])
    officer.get(QUEUE), reporter.get(MINE)  # the first use notes the time and address (once a minute)
    # token with its owner (1), the caller's portal roles for the visibility rule (1), a page of incidents
    # with their handler and reporter joined and who may see them in a subquery (1)
    with django_assert_num_queries(3):
        assert len(officer.get(QUEUE + "?page_size=200").json()["results"]) == min(rows, 200)
    # token with its owner (1), a page of my incidents (1)
    with django_assert_num_queries(2):
        assert len(reporter.get(MINE + "?page_size=200").json()["results"]) == min(rows, 200)


def test_newest_or_oldest_first_the_orders_a_cursor_pages_through(security_officer, staff):
    older = incident_at(Status.REPORTED, reporter=staff, handler=None)
    newer = incident_at(Status.REPORTED, reporter=staff, handler=None)
    api = api_client(token_for(security_officer)[1])
    assert [row["id"] for row in api.get(QUEUE).json()["results"]] == [newer.pk, older.pk]
    oldest_first = api.get(QUEUE, {"sort": "reported"}).json()["results"]
    assert [row["id"] for row in oldest_first] == [older.pk, newer.pk]
    response = api.get(QUEUE, {"sort": "deadline"})
    assert response.status_code == 400
    assert "sort" in response.json()["errors"]
