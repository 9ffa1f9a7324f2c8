"""Review policies through the API: read by security officers and auditors (403 for anyone else, as on the
pages), filtered like the page."""

import pytest
from django.urls import reverse

from access.models import ReviewPolicy
from tests.access.factories import ReviewPolicyFactory, SystemFactory
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db

POLICIES = reverse("api:access-policy-list")


def as_(user):
    return api_client(token_for(user)[1])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 403),
        ("manager", 403),
        ("admin", 403),
        ("outsider", 403),
        ("auditor", 200),
        ("security_officer", 200),
    ],
)
def test_who_reads_policies(personas, persona, status):
    policy = ReviewPolicyFactory()
    client = as_(personas[persona])
    assert client.get(POLICIES).status_code == status
    assert client.get(reverse("api:access-policy-detail", args=[policy.pk])).status_code == status
    missing = client.get(reverse("api:access-policy-detail", args=[999999]))
    assert missing.status_code == (404 if status == 200 else 403)


def test_a_policy_reads_as_its_page_shows_it(auditor):
    policy = ReviewPolicyFactory(name="Quarterly payroll")
    policy.systems.add(SystemFactory(name="Payroll"))
    body = as_(auditor).get(reverse("api:access-policy-detail", args=[policy.pk])).json()
    assert body["systems"][0]["name"] == "Payroll"
    assert (body["cadence"], body["campaign_count"]) == ("quarterly", 0)


def test_policies_are_filtered_like_the_page(auditor):
    on = ReviewPolicyFactory(name="Quarterly payroll", enabled=True)
    off = ReviewPolicyFactory(name="Yearly ledger", enabled=False)
    client = as_(auditor)
    ids = lambda params: {row["id"] for row in client.get(POLICIES, params).json()["results"]}  # noqa: E731
    assert ids({"enabled": "no"}) == {off.pk}
    assert ids({"q": "payroll"}) == {on.pk}
    assert client.get(POLICIES, {"enabled": "maybe"}).status_code == 400


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_policy_list_runs_a_fixed_number_of_queries(auditor, rows, django_assert_num_queries):
    fallback = ReviewPolicyFactory().fallback_reviewer
    ReviewPolicy.objects.bulk_create(
        [ReviewPolicyFactory.build(name=f"Policy {n}", fallback_reviewer=fallback) for n in range(rows)]
    )
    client = as_(auditor)
    client.get(POLICIES)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), the caller's portal roles (1: who reads policies), a page of policies with
    # their reviewers joined and campaigns counted (1)
    with django_assert_num_queries(3):
        assert len(client.get(POLICIES + "?page_size=200").json()["results"]) == min(rows + 1, 200)
