"""Review items through the API: my queue filtered like "My reviews", an item as its page shows it, decisions
by item_decide's rules (the reviewer, a security officer as an override; never the holder, never after the
close) and bulk keep; 404 where the page hides an item, 403 where it refuses."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access.choices import CampaignStatus, Decision
from access.models import Grant, ReviewCampaign, ReviewItem, Role, System
from access.services.tallies import tally_recount
from dpms.models import AuditEvent, AuditSource, User
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory, RoleFactory
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("api:access-review-item-list")
BULK_KEEP = reverse("api:access-review-item-bulk-keep")


def as_(user, *, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


def url(name, item):
    return reverse(f"api:access-review-item-{name}", args=[item.pk])


@pytest.fixture
def campaign():
    return ReviewCampaignFactory(name="Q3 review")


@pytest.fixture
def item(campaign, manager, staff):
    return ReviewItemFactory(campaign=campaign, reviewer=manager, grant__user=staff)


@pytest.fixture
def privileged_item(campaign, manager, second_report):
    return ReviewItemFactory(
        campaign=campaign, reviewer=manager, grant__user=second_report, grant__role__privileged=True
    )


def test_the_reviewer_keeps_an_item_audited_as_api(manager, item):
    token, text = token_for(manager, read_only=False, name="review bot")
    response = api_client(text).post(url("decide", item), {"decision": "keep"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["decision"], body["decided_by"], body["is_override"]) == ("keep", manager.pk, False)
    event = AuditEvent.objects.get(action="access.item.decide")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} review bot")


def test_revoking_and_keeping_privileged_access_need_a_justification(manager, item, privileged_item):
    client = as_(manager)
    refused = client.post(url("decide", item), {"decision": "revoke", "justification": " "}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "justification": ["A justification is required for a revoke decision."]
    }
    kept = client.post(url("decide", privileged_item), {"decision": "keep"}, format="json")
    assert kept.json()["errors"] == {
        "justification": ["A justification is required for keeping a privileged grant."]
    }
    ok = client.post(url("decide", item), {"decision": "revoke", "justification": "Moved on."}, format="json")
    assert ok.status_code == 200
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.REVOKE
    assert ReviewItem.objects.get(pk=privileged_item.pk).decision == Decision.PENDING


def test_a_bad_decision_is_a_400_with_the_forms_errors(manager, item):
    client = as_(manager)
    response = client.post(url("decide", item), {"decision": "maybe", "keep_until": "soon"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"decision", "keep_until"}
    other_system = RoleFactory()
    downgrade = {"decision": "downgrade", "justification": "Less.", "downgrade_to": other_system.pk}
    assert "downgrade_to" in client.post(url("decide", item), downgrade, format="json").json()["errors"]
    late = {
        "decision": "exception",
        "justification": "x",
        "keep_until": str(timezone.localdate() + datetime.timedelta(days=400)),
    }
    assert client.post(url("decide", item), late, format="json").json()["errors"] == {
        "keep_until": ["An exception lasts at most one year."]
    }


def test_a_closed_campaigns_decisions_are_frozen(manager, item, campaign):
    ReviewCampaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
    response = as_(manager).post(url("decide", item), {"decision": "keep"}, format="json")
    assert response.status_code == 400
    assert "frozen" in response.json()["errors"]["non_field_errors"][0]


def test_a_security_officer_overrides(security_officer, manager, item):
    response = as_(security_officer).post(url("decide", item), {"decision": "keep"}, format="json")
    assert response.status_code == 200
    assert response.json()["override"] is True
    assert AuditEvent.objects.filter(action="access.item.override").exists()


def test_decide_honours_if_match(manager, item):
    client = as_(manager)
    etag = client.get(url("detail", item))["ETag"]
    client.post(url("decide", item), {"decision": "keep"}, format="json")
    stale = client.post(
        url("decide", item), {"decision": "revoke", "justification": "x"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.KEEP


# persona: (detail, decide) on the manager's item about staff's grant
WHO_MAY = {
    "staff": (404, 404),
    "manager": (200, 200),
    "security_officer": (200, 200),
    "auditor": (200, 403),
    "admin": (404, 404),
    "outsider": (404, 404),
}


@pytest.mark.parametrize("persona", sorted(WHO_MAY))
def test_who_may_read_and_decide_as_the_page_decides(personas, item, persona):
    client = as_(personas[persona])
    detail, decide = WHO_MAY[persona]
    assert client.get(url("detail", item)).status_code == detail
    assert client.post(url("decide", item), {"decision": "keep"}, format="json").status_code == decide
    if decide != 200:
        assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


def test_nobody_decides_on_their_own_access(security_officer, campaign, manager):
    own = ReviewItemFactory(campaign=campaign, reviewer=manager, grant__user=security_officer)
    response = as_(security_officer).post(url("decide", own), {"decision": "keep"}, format="json")
    assert response.status_code == 403


def test_bulk_keep_keeps_pending_items_of_my_queue(manager, campaign, item, privileged_item):
    other = ReviewItemFactory(campaign=campaign, reviewer=manager)
    client = as_(manager)
    response = client.post(
        BULK_KEEP, {"items": [item.pk, privileged_item.pk], "justification": "Still needed."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert sorted(response.json()["kept"]) == sorted([item.pk, privileged_item.pk])
    refused = client.post(BULK_KEEP, {"items": [other.pk, item.pk], "justification": "x"}, format="json")
    assert refused.status_code == 400
    assert "Only pending items" in refused.json()["errors"]["non_field_errors"][0]
    assert ReviewItem.objects.get(pk=other.pk).decision == Decision.PENDING
    assert client.post(BULK_KEEP, {"items": [], "justification": ""}, format="json").status_code == 400


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 400), ("outsider", 400), ("admin", 400), ("auditor", 403), ("security_officer", 403)],
)
def test_bulk_keep_is_only_for_my_own_queue(personas, item, persona, status):
    response = as_(personas[persona]).post(
        BULK_KEEP, {"items": [item.pk], "justification": "x"}, format="json"
    )
    assert response.status_code == status  # an item one may not see is no valid choice (as on the page)
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


def test_the_queue_is_mine_and_filtered_like_my_reviews(manager, campaign, item, privileged_item, outsider):
    ReviewItemFactory(reviewer=outsider)
    closed = ReviewCampaignFactory(status=CampaignStatus.CLOSED)
    ReviewItemFactory(campaign=closed, reviewer=manager)
    client = as_(manager, read_only=True)
    ids = lambda params: {row["id"] for row in client.get(QUEUE, params).json()["results"]}  # noqa: E731
    assert ids({}) == {item.pk, privileged_item.pk}
    assert ids({"privileged": "yes"}) == {privileged_item.pk}
    assert ids({"campaign": campaign.pk, "state": "pending"}) == {item.pk, privileged_item.pk}
    assert ids({"system": item.system_name}) == {item.pk}
    assert client.get(QUEUE, {"campaign": closed.pk}).status_code == 400  # not one of my open campaigns
    assert as_(outsider).get(QUEUE).json()["results"][0]["id"] != item.pk


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_queue_runs_a_fixed_number_of_queries(manager, rows, django_assert_num_queries):
    campaign = ReviewCampaignFactory()
    holders = User.objects.bulk_create(UserFactory.build_batch(rows))
    system = System.objects.create(name="CRM")
    roles = Role.objects.bulk_create([Role(system=system, name=f"Role {n}") for n in range(3)])
    grants = Grant.objects.bulk_create(
        [Grant(user=person, role=roles[n % 3]) for n, person in enumerate(holders)]
    )
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                campaign=campaign, grant=grant, holder=grant.user, holder_label=str(grant.user),
                system=system, system_name="CRM", role=grant.role, role_name=grant.role.name,
                environment="production", granted_at=grant.granted_at, reviewer=manager,
            )
            for grant in grants
        ]
    )  # fmt: skip
    tally_recount(campaign_id=campaign.pk)
    client = as_(manager, read_only=True)
    client.get(QUEUE)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), the caller's portal roles (1: whose items), a page of items with campaign,
    # holder, decider, system and the holder's team count joined (1), the systems' roles (1)
    with django_assert_num_queries(4):
        assert len(client.get(QUEUE + "?page_size=200").json()["results"]) == min(rows, 200)


def test_a_security_officer_reassigns_an_item(security_officer, item, second_report, manager):
    client = as_(security_officer)
    response = client.post(
        url("reassign", item), {"new_reviewer": second_report.email, "reason": "Manager away."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["reviewer"], response.json()["override"]) == (second_report.pk, True)
    event = AuditEvent.objects.get(action="access.item.reassign")
    assert event.source == AuditSource.API
    back = client.post(
        url("reassign", item), {"new_reviewer": second_report.email, "reason": "x"}, format="json"
    )
    assert back.json()["errors"] == {"new_reviewer": ["This person already reviews the item."]}
    holder = client.post(
        url("reassign", item), {"new_reviewer": item.holder.email, "reason": "x"}, format="json"
    )
    assert holder.json()["errors"] == {"new_reviewer": ["Nobody reviews their own access."]}
    unknown = client.post(
        url("reassign", item), {"new_reviewer": "nobody@example.com", "reason": ""}, format="json"
    )
    assert set(unknown.json()["errors"]) == {"new_reviewer", "reason"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 404), ("manager", 403), ("auditor", 403), ("admin", 404), ("outsider", 404)],
)
def test_only_security_officers_reassign(personas, item, second_report, persona, status):
    body = {"new_reviewer": second_report.email, "reason": "x"}
    assert as_(personas[persona]).post(url("reassign", item), body, format="json").status_code == status
    assert ReviewItem.objects.get(pk=item.pk).reviewer == personas["manager"]


def test_the_reassign_page_refuses_a_nul_in_the_email(client_for, security_officer, item):
    """The person field the page and the API share: a NUL is no one's email (PostgreSQL refused the query)."""
    page = client_for(security_officer).post(
        reverse("access:review_item_reassign", args=[item.pk]), {"new_reviewer": "a\x00b", "reason": "x"}
    )
    assert page.status_code == 400
    assert "No active person has this email address." in page.content.decode()
