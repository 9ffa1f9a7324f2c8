"""Accepting recommendations through the API (``POST /api/v1/access/review-items/accept-recommendations/``):
the service's rules as on the page, the page's form checking the body, refusals as 400 or 403."""

import pytest
from django.urls import reverse

from access.choices import CampaignStatus, Decision, Recommendation
from access.models import ReviewCampaign, ReviewItem
from dpms.models import AuditEvent, AuditSource
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db

ACCEPT = reverse("api:access-review-item-accept-recommendations")
QUEUE = reverse("api:access-review-item-list")
WHY = "Matched against HR's list."


def as_(user):
    return api_client(token_for(user, read_only=False)[1])


@pytest.fixture
def campaign():
    return ReviewCampaignFactory()


def make(campaign, reviewer, recommendation="", **kwargs):
    return ReviewItemFactory(campaign=campaign, reviewer=reviewer, recommendation=recommendation, **kwargs)


def test_the_reviewer_accepts_revoke_and_keep_and_items_without_one_are_left(manager, campaign):
    revoke = make(campaign, manager, Recommendation.DEACTIVATED, grant__role__privileged=True)
    keep = make(campaign, manager, Recommendation.IN_USE)
    left = make(campaign, manager)
    response = as_(manager).post(
        ACCEPT, {"items": [revoke.pk, keep.pk, left.pk], "justification": WHY}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"revoked": [revoke.pk], "kept": [keep.pk], "left": [left.pk]}
    assert dict(ReviewItem.objects.values_list("pk", "decision")) == {
        revoke.pk: Decision.REVOKE,
        keep.pk: Decision.KEEP,
        left.pk: Decision.PENDING,
    }
    assert ReviewItem.objects.get(pk=revoke.pk).justification == WHY  # privileged, in the batch
    sources = set(AuditEvent.objects.filter(action="access.item.decide").values_list("source", flat=True))
    assert sources == {AuditSource.API}


def test_the_queue_filters_by_recommendation(manager, campaign):
    revoke = make(campaign, manager, Recommendation.EXPIRED)
    make(campaign, manager, Recommendation.IN_USE)
    rows = as_(manager).get(QUEUE, {"recommendation": "revoke"}).json()["results"]
    assert [row["id"] for row in rows] == [revoke.pk]
    assert as_(manager).get(QUEUE, {"recommendation": "maybe"}).status_code == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"items": [], "justification": WHY}, "Select at least one item."),
        ({"justification": WHY}, None),
    ],
)
def test_a_bad_body_is_a_400(manager, campaign, body, message):
    response = as_(manager).post(ACCEPT, body, format="json")
    assert response.status_code == 400
    if message:
        assert message in str(response.json())


def test_without_a_justification_nothing_is_decided(manager, campaign):
    item = make(campaign, manager, Recommendation.EXPIRED)
    response = as_(manager).post(ACCEPT, {"items": [item.pk], "justification": ""}, format="json")
    assert response.status_code == 400
    assert "justification" in response.json()["errors"]
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 400), ("auditor", 403), ("security_officer", 403)]
)
def test_only_my_own_queue(personas, campaign, persona, status):
    item = make(campaign, personas["manager"], Recommendation.EXPIRED)
    response = as_(personas[persona]).post(ACCEPT, {"items": [item.pk], "justification": WHY}, format="json")
    assert response.status_code == status  # an item one may not see is no valid choice (as on the page)
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


def test_a_closed_campaign_or_a_decided_item_refuses_the_batch(manager, campaign):
    first = make(campaign, manager, Recommendation.EXPIRED)
    decided = make(campaign, manager, Recommendation.IN_USE, decision=Decision.REVOKE)
    client = as_(manager)
    response = client.post(ACCEPT, {"items": [first.pk, decided.pk], "justification": WHY}, format="json")
    assert response.status_code == 400
    assert "Only pending items" in str(response.json())
    ReviewCampaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
    response = client.post(ACCEPT, {"items": [first.pk], "justification": WHY}, format="json")
    assert response.status_code == 400
    assert "frozen" in str(response.json())
    assert ReviewItem.objects.get(pk=first.pk).decision == Decision.PENDING
