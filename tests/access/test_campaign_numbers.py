"""Honest campaign numbers: reviewed by a person, defaulted (no response) and pending, counted apart."""

import pytest

from access.choices import Decision
from access.models import ReviewItem
from access.queries.campaigns import campaign_numbers, campaigns_for, get_campaign_for
from access.services.tallies import tally_recount
from tests.access.factories import GrantFactory, ReviewCampaignFactory, ReviewItemFactory, RoleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MIXED = [Decision.KEEP] * 3 + [Decision.REVOKE, Decision.DOWNGRADE, Decision.EXCEPTION]
MIXED += [Decision.NO_RESPONSE] * 3 + [Decision.PENDING]


def items_with(campaign, decisions):
    role = RoleFactory()
    reviewer = UserFactory()
    grants = GrantFactory._meta.model.objects.bulk_create(
        [GrantFactory.build(user=UserFactory(), role=role) for _ in decisions]
    )
    ReviewItem.objects.bulk_create(
        [
            ReviewItemFactory.build(campaign=campaign, grant=grant, reviewer=reviewer, decision=decision)
            for grant, decision in zip(grants, decisions, strict=True)
        ]
    )
    tally_recount(campaign_id=campaign.pk)


def test_the_annotations_count_each_kind_apart(personas):
    campaign = ReviewCampaignFactory()
    items_with(campaign, MIXED)
    annotated = get_campaign_for(personas["security_officer"], campaign.pk)
    assert (annotated.item_count, annotated.decided_count) == (10, 9)
    assert (annotated.reviewed_count, annotated.defaulted_count, annotated.pending_count) == (6, 3, 1)
    assert campaign_numbers(annotated) == {
        "total": 10,
        "reviewed": 6,
        "defaulted": 3,
        "pending": 1,
        "reviewed_percent": 60,
        "defaulted_percent": 30,
        "pending_percent": 10,
    }
    listed = campaigns_for(personas["auditor"]).get(pk=campaign.pk)
    assert campaign_numbers(listed) == campaign_numbers(annotated)


def test_an_all_defaulted_campaign_is_zero_percent_reviewed(personas):
    campaign = ReviewCampaignFactory()
    items_with(campaign, [Decision.NO_RESPONSE] * 78)
    numbers = campaign_numbers(get_campaign_for(personas["security_officer"], campaign.pk))
    assert numbers["reviewed"] == 0
    assert numbers["reviewed_percent"] == 0
    assert (numbers["defaulted"], numbers["defaulted_percent"], numbers["pending_percent"]) == (78, 100, 0)


def test_percentages_add_up_to_a_hundred_and_an_empty_campaign_reads_zero(personas):
    campaign = ReviewCampaignFactory()
    items_with(campaign, [Decision.KEEP, Decision.NO_RESPONSE, Decision.PENDING])
    numbers = campaign_numbers(get_campaign_for(personas["security_officer"], campaign.pk))
    parts = (numbers["reviewed_percent"], numbers["defaulted_percent"], numbers["pending_percent"])
    assert sum(parts) == 100
    assert parts == (33, 34, 33)
    empty = campaign_numbers(get_campaign_for(personas["security_officer"], ReviewCampaignFactory().pk))
    assert empty == dict.fromkeys(empty, 0)
