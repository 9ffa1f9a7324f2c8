"""Accepting recommendations while someone decides one of the items, on PostgreSQL: the batch locks its items
as a single decision does, so it waits, then sees the decision and refuses the whole batch (nothing half
saved); a batch that went first makes the single decision a change of a recorded decision."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from access.choices import Decision, Recommendation
from access.models import ReviewItem
from access.services.reviews import item_decide, items_accept_recommendations
from dpms import audit
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory
from tests.access.test_reviews_decisions_concurrency import blocked_on_a_row_lock, item_events
from tests.concurrency import start_at_once
from tests.dpms.outbox_support import wait_until

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")

WHY = "Checked against HR's leaver list."


def test_a_batch_waits_for_a_single_decision_then_refuses_and_saves_nothing(manager):
    campaign = ReviewCampaignFactory()
    first, second = (
        ReviewItemFactory(campaign=campaign, reviewer=manager, recommendation=Recommendation.INACTIVE)
        for _ in range(2)
    )

    def accept():
        return items_accept_recommendations(items=[first, second], actor=manager, justification=WHY)

    with transaction.atomic():
        item_decide(item=second, actor=manager, decision=Decision.KEEP)
        batch = start_at_once(accept, expect=ValidationError)
        assert wait_until(blocked_on_a_row_lock)  # the batch waits on the decision's locks
    (refused,) = batch.wait()
    assert isinstance(refused, ValidationError)
    assert "Only pending items" in str(refused)
    assert ReviewItem.objects.get(pk=first.pk).decision == Decision.PENDING
    assert ReviewItem.objects.get(pk=second.pk).decision == Decision.KEEP
    assert not item_events(first).exists()
    assert audit.verify().ok


def test_a_single_decision_after_the_batch_changes_what_the_batch_recorded(manager):
    item = ReviewItemFactory(reviewer=manager, recommendation=Recommendation.INACTIVE)

    def decide():
        return item_decide(item=item, actor=manager, decision=Decision.KEEP)

    with transaction.atomic():
        items_accept_recommendations(items=[item], actor=manager, justification=WHY)
        single = start_at_once(decide)
        assert wait_until(blocked_on_a_row_lock)
    single.wait()
    events = list(item_events(item))
    assert [e.changes["decision"] for e in events] == [["pending", "revoke"], ["revoke", "keep"]]
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.KEEP
