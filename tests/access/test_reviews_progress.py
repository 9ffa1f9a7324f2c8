"""A reviewer's progress (My reviews and the dashboard): the items they review, read from the campaign's
tallies, and the items escalated to them, each counted once, in open campaigns only."""

import datetime

import pytest
from django.utils import timezone

from access.choices import CampaignStatus, Decision
from access.queries.reviews import SECURITY_OFFICER_LEVEL, queue_progress
from access.services.reviews import item_decide
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_own_and_escalated_items_are_counted_once(manager):
    soon = timezone.now() + datetime.timedelta(days=3)
    later = timezone.now() + datetime.timedelta(days=9)
    campaign = ReviewCampaignFactory(due_at=later)
    urgent = ReviewCampaignFactory(due_at=soon)
    mine = [ReviewItemFactory(campaign=campaign, reviewer=manager) for _ in range(3)]
    item_decide(item=mine[0], actor=manager, decision=Decision.KEEP)
    # Escalated to the manager from someone else's queue, in a campaign due sooner.
    ReviewItemFactory(campaign=urgent, reviewer=UserFactory(), escalated_to=manager, escalation_level=1)
    # Reviewed by the manager and escalated to them as well: one item, counted once.
    ReviewItemFactory(campaign=campaign, reviewer=manager, escalated_to=manager, escalation_level=1)
    # Closed campaigns are not in the queue.
    closed = ReviewCampaignFactory(status=CampaignStatus.CLOSED)
    ReviewItemFactory(campaign=closed, reviewer=manager)

    progress = queue_progress(manager)

    assert (progress["total"], progress["pending"], progress["decided"]) == (5, 4, 1)
    assert progress["percent"] == 20
    assert progress["due_at"] == soon


def test_a_security_officer_sees_the_items_escalated_to_the_officers(security_officer):
    campaign = ReviewCampaignFactory()
    ReviewItemFactory(campaign=campaign, reviewer=UserFactory(), escalation_level=SECURITY_OFFICER_LEVEL)
    ReviewItemFactory(campaign=campaign, reviewer=security_officer)

    progress = queue_progress(security_officer)

    assert (progress["total"], progress["pending"]) == (2, 2)


def test_an_empty_queue_is_complete():
    progress = queue_progress(UserFactory())
    assert progress == {"total": 0, "pending": 0, "due_at": None, "decided": 0, "percent": 100}
