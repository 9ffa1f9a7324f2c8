"""The evidence per policy version for officers and auditors: who acknowledged it and when, who in the
audience has not (an older version's acknowledgement does not count), filtered by team, as a page and as a
CSV, at a fixed query count; the API's list of acknowledgements filtered by version and person."""

import csv
import io

import pytest
from django.urls import reverse

from tests.dpms.api_support import api_client, token_for
from tests.factories import TeamFactory, UserFactory
from tests.policies.factories import AcknowledgementFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions(staff, second_report, outsider):
    """Version 1 acknowledged by Sam and Rita; version 2 by Rita only. Everyone is in the audience."""
    v1 = PolicyVersionFactory(policy__title="Acceptable use")
    v2 = PolicyVersionFactory(policy=v1.policy, number=2)
    for person in (staff, second_report):
        AcknowledgementFactory(person=person, version=v1)
    AcknowledgementFactory(person=second_report, version=v2)
    return v1, v2


def page_url(version):
    return reverse("policies:version_acknowledgements", args=[version.policy_id, version.number])


def csv_url(version):
    return reverse("policies:version_acknowledgements_csv", args=[version.policy_id, version.number])


def test_the_ladder(client, client_for, versions, staff, manager, auditor, security_officer):
    v1, _v2 = versions
    response = client.get(page_url(v1))
    assert response.status_code == 302
    assert "/login" in response.url
    for person in (staff, manager):
        assert client_for(person).get(page_url(v1)).status_code == 403
        assert client_for(person).get(csv_url(v1)).status_code == 403
    for person in (auditor, security_officer):
        assert client_for(person).get(page_url(v1)).status_code == 200
    missing = reverse("policies:version_acknowledgements", args=[v1.policy_id, 9])
    assert client_for(auditor).get(missing).status_code == 404


def test_an_older_versions_acknowledgement_does_not_count(
    client_for, auditor, versions, staff, second_report
):
    _v1, v2 = versions
    response = client_for(auditor).get(page_url(v2))
    assert [ack.person for ack in response.context["done"].object_list] == [second_report]
    missing = set(response.context["missing"].object_list)
    assert staff in missing  # acknowledged version 1 only
    assert second_report not in missing


def test_the_team_filter(client_for, auditor, versions, outsider, staff):
    _v1, v2 = versions
    sales = outsider.team
    response = client_for(auditor).get(page_url(v2), {"team": sales.pk})
    assert list(response.context["missing"].object_list) == [outsider]
    assert list(response.context["done"].object_list) == []


def test_the_csv_lists_who_did_and_who_did_not(client_for, auditor, versions, staff, second_report):
    _v1, v2 = versions
    response = client_for(auditor).get(csv_url(v2))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_email = {row["email"]: row for row in rows}
    assert by_email[second_report.email]["acknowledged"] == "yes"
    assert by_email[second_report.email]["acknowledged_at"]
    assert by_email[staff.email]["acknowledged"] == "no"
    assert {row["version"] for row in rows} == {"2"}
    assert client_for(auditor).get(csv_url(v2), {"team": "nope"}).status_code == 400


@pytest.mark.parametrize("size", [2, 20])
def test_the_page_costs_the_same_at_any_size(client_for, auditor, size, django_assert_num_queries):
    version = PolicyVersionFactory()
    team = TeamFactory(name="Ops")
    for n in range(size):
        person = UserFactory(team=team, manager=UserFactory())
        if n % 2:
            AcknowledgementFactory(person=person, version=version)
    client = client_for(auditor)
    client.get(page_url(version))
    # 18 queries: the page's 11 (session and user, user-session tracking, groups, saving the session); the
    # version with its policy (1); the count and page of acknowledgements with person, team and campaign
    # (2); the count and page of the audience not acknowledged with team and manager (2); the header's
    # unread count (1); the team filter's teams (1).
    with django_assert_num_queries(18):
        assert client.get(page_url(version)).status_code == 200


def test_the_api_lists_acknowledgements_by_version_and_person(versions, auditor, staff, second_report):
    v1, v2 = versions
    client = api_client(token_for(auditor)[1])
    url = reverse("api:policy-acknowledgement-list")
    rows = client.get(url, {"version": v2.pk}).json()["results"]
    assert [(row["person"], row["version_number"]) for row in rows] == [(second_report.pk, 2)]
    rows = client.get(url, {"person": staff.pk}).json()["results"]
    assert [row["version_number"] for row in rows] == [1]
    assert client.get(url, {"version": "x"}).status_code == 400
    assert api_client(token_for(staff)[1]).get(url).status_code == 403
