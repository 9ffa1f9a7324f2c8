"""Progress tallies: after every service that changes items, each reviewer's counts per decision are what
counting the items gives, so the campaign pages' progress (read from the tallies) is true."""

import datetime

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from access.choices import Decision, ReviewerRule
from access.models import ReviewItem, ReviewTally
from access.queries.campaigns import campaign_dashboard, get_campaign_for
from access.services.campaigns import campaign_launch_now, campaign_populate
from access.services.closing import campaign_close
from access.services.reviews import item_decide, item_reassign, items_bulk_keep
from tests.access.factories import (
    GrantFactory,
    ReviewCampaignFactory,
    ReviewItemFactory,
    ReviewPolicyFactory,
    RoleFactory,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tallies(campaign) -> dict:
    return {
        (row.reviewer_id, row.decision): row.items
        for row in ReviewTally.objects.filter(campaign=campaign)
        if row.items
    }


def counted(campaign) -> dict:
    rows = (
        ReviewItem.objects.filter(campaign=campaign).values("reviewer_id", "decision").annotate(n=Count("pk"))
    )
    return {(row["reviewer_id"], row["decision"]): row["n"] for row in rows}


@pytest.fixture
def campaign(manager):
    campaign = ReviewCampaignFactory()
    for _ in range(4):
        ReviewItemFactory(campaign=campaign, reviewer=manager)
    return campaign


def test_decisions_changes_and_bulk_keep_move_the_tallies(campaign, manager):
    first, second, third, fourth = campaign.items.order_by("pk")
    item_decide(item=first, actor=manager, decision=Decision.REVOKE, justification="left the project")
    item_decide(item=first, actor=manager, decision=Decision.KEEP)  # changed: revoke -> keep
    item_decide(item=first, actor=manager, decision=Decision.KEEP)  # the same again: nothing moves
    items_bulk_keep(items=[second, third], actor=manager, justification="still in the team")
    assert (
        tallies(campaign)
        == counted(campaign)
        == {
            (manager.pk, Decision.KEEP): 3,
            (manager.pk, Decision.PENDING): 1,
        }
    )


def test_an_override_and_a_reassignment_move_the_tallies(campaign, manager, security_officer):
    first, second, *_rest = campaign.items.order_by("pk")
    item_decide(
        item=first, actor=security_officer, decision=Decision.REVOKE, justification="no longer needed"
    )
    other = UserFactory()
    item_reassign(item=second, actor=security_officer, new_reviewer=other, reason="manager on leave")
    assert (
        tallies(campaign)
        == counted(campaign)
        == {
            (manager.pk, Decision.REVOKE): 1,
            (manager.pk, Decision.PENDING): 2,
            (other.pk, Decision.PENDING): 1,
        }
    )


def test_closing_counts_the_defaults_applied(campaign, manager, security_officer):
    first = campaign.items.order_by("pk").first()
    item_decide(item=first, actor=manager, decision=Decision.KEEP)
    campaign_close(campaign=campaign, actor=security_officer, now=timezone.now(), confirmed=True)
    assert tallies(campaign) == counted(campaign)
    assert tallies(campaign)[(manager.pk, Decision.KEEP)] == 1
    assert Decision.PENDING not in {decision for _reviewer, decision in tallies(campaign)}


def test_a_launch_writes_the_tallies_of_its_items(security_officer):
    manager = UserFactory()
    role = RoleFactory()
    for _ in range(7):
        GrantFactory(user=UserFactory(manager=manager), role=role)
    policy = ReviewPolicyFactory(reviewer_rule=ReviewerRule.MANAGER, fallback_reviewer=security_officer)
    launched = campaign_launch_now(actor=security_officer, policy=policy)
    campaign_populate(campaign_id=launched.pk, batch_size=3)  # three batches
    assert tallies(launched) == counted(launched)
    assert tallies(launched)[(manager.pk, Decision.PENDING)] == 7


def test_the_campaign_page_shows_progress_from_the_tallies(client_for, campaign, manager, security_officer):
    first, second, *_rest = campaign.items.order_by("pk")
    item_decide(item=first, actor=manager, decision=Decision.KEEP)
    item_decide(item=second, actor=manager, decision=Decision.REVOKE, justification="moved teams")
    response = client_for(security_officer).get(reverse("access:campaign_detail", args=[campaign.pk]))
    assert response.context["numbers"].reviewed_percent == 50
    text = " ".join(strip_tags(response.content.decode()).split())
    assert "50% reviewed · 2 of 4 by a person · 2 pending" in text
    by_decision = {value: count for value, _label, count in response.context["dashboard"].by_decision}
    assert by_decision[Decision.KEEP] == by_decision[Decision.REVOKE] == 1
    assert by_decision[Decision.PENDING] == 2
    (row,) = response.context["dashboard"].reviewers.object_list
    assert (row.reviewer_id, row.total, row.decided) == (manager.pk, 4, 2)
    listed = client_for(security_officer).get(reverse("access:campaigns"))
    shown = listed.context["page"].object_list[0]
    assert (shown.item_count, shown.decided_count) == (4, 2)


def test_a_reviewer_with_no_items_left_is_not_listed(campaign, manager, security_officer):
    other = UserFactory()
    for item in campaign.items.all():
        item_reassign(item=item, actor=security_officer, new_reviewer=other, reason="manager left")
    assert tallies(campaign) == {(other.pk, Decision.PENDING): 4}
    dashboard = campaign_dashboard(
        get_campaign_for(security_officer, campaign.pk), now=timezone.now() + datetime.timedelta(days=1)
    )
    assert [row.reviewer_id for row in dashboard.reviewers.object_list] == [other.pk]
