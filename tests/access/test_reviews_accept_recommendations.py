"""Accepting recommendations in bulk (``items_accept_recommendations``): revoke where the recommendation says
revoke, keep where it says keep, items without one untouched; one justification recorded on each item,
privileged ones included; only the reviewer's own pending items of open campaigns, all or nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from access.choices import CampaignStatus, Decision, Recommendation
from access.models import ReviewCampaign, ReviewItem, ReviewTally
from access.services.reviews import items_accept_recommendations, items_bulk_keep
from dpms import audit
from dpms.models import AuditEvent
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory

pytestmark = pytest.mark.django_db

WHY = "Checked against the HR leaver list and last month's sign-ins."


@pytest.fixture
def campaign():
    return ReviewCampaignFactory()


def make(campaign, reviewer, recommendation="", privileged=False, **kwargs):
    return ReviewItemFactory(
        campaign=campaign,
        reviewer=reviewer,
        recommendation=recommendation,
        recommendation_reason=f"Because {recommendation or 'nothing'}.",
        grant__role__privileged=privileged,
        **kwargs,
    )


def fresh(item):
    return ReviewItem.objects.get(pk=item.pk)


def test_each_item_gets_what_its_recommendation_says_and_the_rest_are_untouched(campaign, manager):
    inactive = make(campaign, manager, Recommendation.INACTIVE)
    deactivated = make(campaign, manager, Recommendation.DEACTIVATED)
    expired = make(campaign, manager, Recommendation.EXPIRED)
    in_use = make(campaign, manager, Recommendation.IN_USE)
    never_reviewed = make(campaign, manager, Recommendation.NEVER_REVIEWED)
    without = make(campaign, manager)
    everything = [inactive, deactivated, expired, in_use, never_reviewed, without]

    result = items_accept_recommendations(items=everything, actor=manager, justification=WHY)

    assert {item.pk for item in result.decided} == {inactive.pk, deactivated.pk, expired.pk, in_use.pk}
    assert {item.pk for item in result.left} == {never_reviewed.pk, without.pk}
    for item in (inactive, deactivated, expired):
        assert (fresh(item).decision, fresh(item).bulk, fresh(item).justification) == (
            Decision.REVOKE,
            True,
            WHY,
        )
    assert (fresh(in_use).decision, fresh(in_use).decided_by) == (Decision.KEEP, manager)
    for item in (never_reviewed, without):
        assert (fresh(item).decision, fresh(item).decided_at, fresh(item).justification) == (
            Decision.PENDING,
            None,
            "",
        )


def test_one_audit_event_per_decided_item_naming_the_accepted_recommendation(campaign, manager):
    revoke = make(campaign, manager, Recommendation.INACTIVE)
    keep = make(campaign, manager, Recommendation.IN_USE)
    untouched = make(campaign, manager)
    items_accept_recommendations(items=[revoke, keep, untouched], actor=manager, justification=WHY)
    events = AuditEvent.objects.filter(action="access.item.decide").order_by("sequence")
    assert [(e.object_id, e.changes["decision"][1], e.changes["recommendation"]) for e in events] == sorted(
        [(str(revoke.pk), "revoke", "inactive"), (str(keep.pk), "keep", "in_use")]
    )
    assert all(e.changes["bulk"] and e.changes["justification"] == ["", WHY] for e in events)
    assert not AuditEvent.objects.filter(object_id=str(untouched.pk)).exists()
    assert audit.verify().ok


def test_privileged_items_are_decided_in_bulk_with_the_justification_on_each(campaign, manager):
    admin_keep = make(campaign, manager, Recommendation.IN_USE, privileged=True)
    admin_revoke = make(campaign, manager, Recommendation.EXPIRED, privileged=True)
    items_accept_recommendations(items=[admin_keep, admin_revoke], actor=manager, justification=WHY)
    assert {
        (fresh(i).decision, fresh(i).privileged, fresh(i).justification) for i in (admin_keep, admin_revoke)
    } == {
        (Decision.KEEP, True, WHY),
        (Decision.REVOKE, True, WHY),
    }


def test_bulk_keep_keeps_privileged_items_too_with_the_justification_on_each(campaign, manager):
    admin = make(campaign, manager, privileged=True)
    items_bulk_keep(items=[admin], actor=manager, justification=WHY)
    assert (fresh(admin).decision, fresh(admin).bulk, fresh(admin).justification) == (
        Decision.KEEP,
        True,
        WHY,
    )


@pytest.mark.parametrize("justification", ["", "   "])
def test_the_batch_needs_one_justification(campaign, manager, justification):
    item = make(campaign, manager, Recommendation.IN_USE)
    with pytest.raises(ValidationError, match="justification"):
        items_accept_recommendations(items=[item], actor=manager, justification=justification)
    assert fresh(item).decision == Decision.PENDING


def test_nothing_to_accept_is_refused(campaign, manager):
    item = make(campaign, manager, Recommendation.NEVER_REVIEWED)
    with pytest.raises(ValidationError, match="None of the selected items has a recommendation"):
        items_accept_recommendations(items=[item], actor=manager, justification=WHY)
    with pytest.raises(ValidationError, match="Select at least one"):
        items_accept_recommendations(items=[], actor=manager, justification=WHY)


def test_another_reviewers_item_refuses_the_whole_batch(campaign, manager, second_report, security_officer):
    mine = make(campaign, manager, Recommendation.INACTIVE)
    theirs = make(campaign, second_report, Recommendation.INACTIVE)
    for actor in (manager, security_officer):  # an officer's override is one item at a time, never in bulk
        with pytest.raises(PermissionDenied):
            items_accept_recommendations(items=[mine, theirs], actor=actor, justification=WHY)
    assert {fresh(mine).decision, fresh(theirs).decision} == {Decision.PENDING}


def test_the_person_an_item_was_escalated_to_accepts_it(campaign, manager, second_report):
    escalated = make(campaign, second_report, Recommendation.DEACTIVATED, escalated_to=manager)
    items_accept_recommendations(items=[escalated], actor=manager, justification=WHY)
    assert (fresh(escalated).decision, fresh(escalated).override) == (Decision.REVOKE, False)


def test_a_decided_item_refuses_the_batch_and_nothing_is_half_saved(campaign, manager):
    first = make(campaign, manager, Recommendation.INACTIVE)
    decided = make(campaign, manager, Recommendation.IN_USE, decision=Decision.REVOKE, justification="Moved.")
    with pytest.raises(ValidationError, match="Only pending items"):
        items_accept_recommendations(items=[first, decided], actor=manager, justification=WHY)
    assert fresh(first).decision == Decision.PENDING
    assert fresh(decided).decision == Decision.REVOKE
    assert not AuditEvent.objects.filter(action="access.item.decide").exists()


def test_the_holders_own_item_refuses_the_batch(campaign, manager, second_report):
    first = make(campaign, manager, Recommendation.INACTIVE)
    own = make(campaign, manager, Recommendation.IN_USE, grant__user=manager)
    with pytest.raises(PermissionDenied, match="their own access"):
        items_accept_recommendations(items=[first, own], actor=manager, justification=WHY)
    assert {fresh(first).decision, fresh(own).decision} == {Decision.PENDING}


def test_a_closed_campaign_is_refused(campaign, manager):
    item = make(campaign, manager, Recommendation.INACTIVE)
    ReviewCampaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
    with pytest.raises(ValidationError, match="closed"):
        items_accept_recommendations(items=[item], actor=manager, justification=WHY)
    assert fresh(item).decision == Decision.PENDING


def test_the_tallies_follow_the_batch(campaign, manager):
    items = [make(campaign, manager, r) for r in (Recommendation.INACTIVE, Recommendation.IN_USE, "")]
    items_accept_recommendations(items=items, actor=manager, justification=WHY)
    tallies = dict(
        ReviewTally.objects.filter(campaign=campaign, reviewer=manager).values_list("decision", "items")
    )
    assert (tallies[Decision.PENDING], tallies[Decision.REVOKE], tallies[Decision.KEEP]) == (1, 1, 1)
