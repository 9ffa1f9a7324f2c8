"""Policies through the API: each person lists the policies the library shows them, with the version in force
and whether they acknowledged it; one policy comes with all its versions; the filters are the library's; the
list costs the same at two sizes."""

import pytest
from django.urls import reverse

from policies.choices import Audience
from tests.dpms.api_support import api_client, token_for
from tests.factories import TeamFactory
from tests.policies.factories import AcknowledgementFactory, PolicyFactory, PolicyVersionFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:policy-list")


def reader(user):
    return api_client(token_for(user)[1])


@pytest.fixture
def policies(staff):
    """One for everyone in two versions (Sam acknowledged version 1 only), one for the Sales team."""
    v1 = PolicyVersionFactory(policy__title="Acceptable use")
    v2 = PolicyVersionFactory(policy=v1.policy, number=2, change_summary="Password manager required.")
    AcknowledgementFactory(person=staff, version=v1)
    sales = PolicyFactory(title="Sales confidentiality", audience=Audience.TEAMS)
    sales.teams.set([TeamFactory(name="Sales")])
    PolicyVersionFactory(policy=sales)
    return v2.policy, sales


def test_each_person_lists_what_applies_to_them(policies, staff, outsider, auditor):
    everyone, sales = policies
    rows = reader(staff).get(LIST).json()["results"]
    assert [(row["title"], row["version_in_force"], row["you_acknowledged"]) for row in rows] == [
        ("Acceptable use", 2, False)  # version 1's acknowledgement says nothing of version 2
    ]
    assert {row["title"] for row in reader(outsider).get(LIST).json()["results"]} == {
        "Acceptable use",
        "Sales confidentiality",
    }
    assert len(reader(auditor).get(LIST).json()["results"]) == 2
    assert reader(staff).get(reverse("api:policy-detail", args=[sales.pk])).status_code == 404


def test_a_policy_comes_with_its_versions(policies, staff):
    everyone, _sales = policies
    body = reader(staff).get(reverse("api:policy-detail", args=[everyone.pk])).json()
    assert [(v["number"], v["change_summary"]) for v in body["versions"]] == [
        (2, "Password manager required."),
        (1, "First version."),
    ]
    assert all(len(v["body_sha256"]) == 64 for v in body["versions"])


def test_the_filters_are_the_librarys(policies, auditor):
    rows = reader(auditor).get(LIST, {"audience": "teams"}).json()["results"]
    assert [row["title"] for row in rows] == ["Sales confidentiality"]
    assert reader(auditor).get(LIST, {"audience": "nobody"}).status_code == 400
    assert reader(auditor).get(LIST, {"archived": "perhaps"}).status_code == 400


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_costs_the_same_at_any_size(auditor, size, django_assert_num_queries):
    for _n in range(size):
        PolicyVersionFactory()
    client = reader(auditor)
    client.get(LIST)
    # 3 queries: the token with its person (1), the person's groups (1), the page of policies with the
    # version in force and the acknowledgement annotated (1).
    with django_assert_num_queries(3):
        assert len(client.get(LIST).json()["results"]) == size
