"""Campaigns through the API: read by security officers and auditors (403 for anyone else, as on the page)
with their progress summed from the tallies, filtered like the page, launched now by a security officer."""

import pytest
from django.urls import reverse

from access.choices import CampaignStatus, Decision
from access.models import ReviewCampaign, ReviewItem
from access.services.tallies import tally_recount
from tests.access.closing_support import campaign_with_items
from tests.access.factories import ReviewCampaignFactory, ReviewPolicyFactory
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db

CAMPAIGNS = reverse("api:access-campaign-list")


def as_(user, *, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


def detail(campaign):
    return reverse("api:access-campaign-detail", args=[campaign.pk])


def test_progress_is_read_from_the_tallies(auditor):
    campaign = campaign_with_items(4)
    first = campaign.items.order_by("pk").first()
    ReviewItem.objects.filter(pk=first.pk).update(decision=Decision.KEEP)
    tally_recount(campaign_id=campaign.pk)
    body = as_(auditor, read_only=True).get(detail(campaign)).json()
    assert (body["item_count"], body["decided_count"], body["pending_count"], body["percent"]) == (
        4,
        1,
        3,
        25,
    )
    listed = as_(auditor, read_only=True).get(CAMPAIGNS).json()["results"]
    assert [(row["id"], row["decided_count"]) for row in listed] == [(campaign.pk, 1)]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 403),
        ("manager", 403),
        ("outsider", 403),
        ("admin", 403),
        ("auditor", 200),
        ("security_officer", 200),
    ],
)
def test_who_reads_campaigns(personas, persona, status):
    campaign = ReviewCampaignFactory()
    client = as_(personas[persona], read_only=True)
    assert client.get(CAMPAIGNS).status_code == status
    assert client.get(detail(campaign)).status_code == status
    assert client.get(reverse("api:access-campaign-detail", args=[999999])).status_code == (
        404 if status == 200 else 403
    )


def test_campaigns_are_filtered_like_the_page(auditor):
    policy = ReviewPolicyFactory(name="Quarterly")
    mine = ReviewCampaignFactory(policy=policy, name="Q3 payroll")
    closed = ReviewCampaignFactory(name="Q2 payroll", status=CampaignStatus.CLOSED)
    client = as_(auditor, read_only=True)
    ids = lambda params: {row["id"] for row in client.get(CAMPAIGNS, params).json()["results"]}  # noqa: E731
    assert ids({"status": "closed"}) == {closed.pk}
    assert ids({"policy": policy.pk}) == {mine.pk}
    assert ids({"q": "payroll"}) == {mine.pk, closed.pk}
    assert client.get(CAMPAIGNS, {"status": "nonsense"}).status_code == 400


def test_a_security_officer_launches_a_campaign(security_officer):
    policy = ReviewPolicyFactory()
    token, text = token_for(security_officer, read_only=False, name="quarterly job")
    response = api_client(text).post(
        CAMPAIGNS, {"policy": policy.pk}, format="json", HTTP_IDEMPOTENCY_KEY="l-1"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["policy"], body["status"], body["kind"]) == (policy.pk, "launching", "ad_hoc")
    assert response["Location"].endswith(detail(ReviewCampaign.objects.get()))
    assert body["launched_by"] == security_officer.pk  # audited when its items are written (the task)
    again = api_client(text).post(CAMPAIGNS, {"policy": policy.pk}, format="json", HTTP_IDEMPOTENCY_KEY="l-1")
    assert again["Idempotent-Replayed"] == "true"
    assert ReviewCampaign.objects.count() == 1
    refused = api_client(text).post(CAMPAIGNS, {"policy": policy.pk}, format="json")
    assert refused.status_code == 400  # still launching: the service refuses a second one
    assert ReviewCampaign.objects.count() == 1


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "admin", "outsider"])
def test_only_security_officers_launch(personas, persona):
    policy = ReviewPolicyFactory()
    assert as_(personas[persona]).post(CAMPAIGNS, {"policy": policy.pk}, format="json").status_code == 403
    assert not ReviewCampaign.objects.exists()


def test_launching_an_unknown_policy_is_a_400(security_officer):
    response = as_(security_officer).post(CAMPAIGNS, {"policy": 999999}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"policy": ["No such review policy."]}
    assert as_(security_officer).post(CAMPAIGNS, {}, format="json").status_code == 400


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_campaign_list_runs_a_fixed_number_of_queries(auditor, rows, django_assert_num_queries):
    policy = ReviewPolicyFactory()
    ReviewCampaign.objects.bulk_create(
        [
            ReviewCampaignFactory.build(policy=policy, name=f"Campaign {n}", period_key=f"P{n}")
            for n in range(rows)
        ]
    )
    client = as_(auditor, read_only=True)
    client.get(CAMPAIGNS)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), the caller's portal roles (1: who reads campaigns), a page of campaigns with
    # their policies joined and their tallies summed in subqueries (1)
    with django_assert_num_queries(3):
        assert len(client.get(CAMPAIGNS + "?page_size=200").json()["results"]) == min(rows, 200)


def test_progress_is_the_campaign_pages(auditor, security_officer):
    campaign = campaign_with_items(3, reviewer=security_officer)
    first = campaign.items.order_by("pk").first()
    ReviewItem.objects.filter(pk=first.pk).update(decision=Decision.REVOKE, bulk=False, override=True)
    tally_recount(campaign_id=campaign.pk)
    response = as_(auditor, read_only=True).get(reverse("api:access-campaign-progress", args=[campaign.pk]))
    assert response.status_code == 200
    body = response.json()
    assert (body["by_decision"]["pending"], body["by_decision"]["revoke"]) == (2, 1)
    assert body["reviewers"]["results"][0]["email"] == security_officer.email
    assert body["reviewers"]["results"][0]["pending"] == 2
    assert {row["key"]: row["count"] for row in body["flagged"]}["override"] == 1
    assert (
        as_(auditor)
        .get(reverse("api:access-campaign-progress", args=[campaign.pk]), {"page": "x"})
        .status_code
        == 200
    )


@pytest.mark.parametrize("persona", ["staff", "manager", "admin", "outsider"])
def test_progress_is_for_security_officers_and_auditors(personas, persona):
    campaign = ReviewCampaignFactory()
    response = as_(personas[persona]).get(reverse("api:access-campaign-progress", args=[campaign.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("rows", [10, 1000])
def test_progress_runs_a_fixed_number_of_queries(auditor, rows, django_assert_num_queries):
    campaign = campaign_with_items(rows)
    client = as_(auditor, read_only=True)
    path = reverse("api:access-campaign-progress", args=[campaign.pk])
    client.get(path)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), the caller's portal roles (1), the campaign with its tallies summed (1),
    # counts by decision (1), flagged counts (1), reviewers' progress (1)
    with django_assert_num_queries(6):
        assert client.get(path).status_code == 200
