"""Review decisions at the service level: justification rules, who may decide, freeze after close, changes,
double submits, bulk keep and a security officer's override and reassignment."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access.choices import CampaignStatus, Decision
from access.models import ReviewItem
from access.services.reviews import item_decide, item_reassign, items_bulk_keep
from dpms.models import AuditEvent, Notification
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory, RoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return ReviewCampaignFactory()


@pytest.fixture
def item(campaign, manager, staff):
    return ReviewItemFactory(campaign=campaign, reviewer=manager, grant__user=staff)


@pytest.fixture
def privileged_item(campaign, manager, staff):
    return ReviewItemFactory(
        campaign=campaign, reviewer=manager, grant__user=staff, grant__role__privileged=True
    )


def item_events(item):
    return AuditEvent.objects.filter(object_type="access.reviewitem", object_id=str(item.pk))


@pytest.mark.parametrize("decision", [Decision.REVOKE, Decision.DOWNGRADE, Decision.EXCEPTION])
def test_revoke_downgrade_and_exception_need_a_justification(item, manager, decision):
    other_role = RoleFactory(system=item.system)
    with pytest.raises(ValidationError) as error:
        item_decide(
            item=item,
            actor=manager,
            decision=decision,
            justification="  ",
            downgrade_to=other_role,
            keep_until=timezone.localdate() + datetime.timedelta(days=30),
        )
    assert "justification" in error.value.message_dict
    item.refresh_from_db()
    assert item.decision == Decision.PENDING
    assert not item_events(item).exists()


def test_keeping_privileged_access_needs_a_justification(privileged_item, manager):
    with pytest.raises(ValidationError, match="privileged"):
        item_decide(item=privileged_item, actor=manager, decision=Decision.KEEP)
    item_decide(item=privileged_item, actor=manager, decision=Decision.KEEP, justification="On call admin.")
    privileged_item.refresh_from_db()
    assert privileged_item.decision == Decision.KEEP


def test_keeping_ordinary_access_needs_no_justification(item, manager):
    item_decide(item=item, actor=manager, decision=Decision.KEEP)
    item.refresh_from_db()
    assert (item.decision, item.decided_by, item.override, item.bulk) == (
        Decision.KEEP,
        manager,
        False,
        False,
    )
    assert item.decided_at is not None
    assert item_events(item).get().action == "access.item.decide"


def test_downgrade_must_name_another_role_of_the_same_system(item, manager):
    with pytest.raises(ValidationError, match="same system"):
        item_decide(item=item, actor=manager, decision="downgrade", justification="x", downgrade_to=item.role)
    with pytest.raises(ValidationError, match="same system"):
        item_decide(
            item=item, actor=manager, decision="downgrade", justification="x", downgrade_to=RoleFactory()
        )
    reader = RoleFactory(system=item.system, name="Reader")
    item_decide(
        item=item, actor=manager, decision="downgrade", justification="Reads only.", downgrade_to=reader
    )
    item.refresh_from_db()
    assert item.downgrade_to == reader


def test_exception_date_must_be_in_the_future_and_within_a_year(item, manager):
    today = timezone.localdate()
    for bad in (today, today + datetime.timedelta(days=400)):
        with pytest.raises(ValidationError) as error:
            item_decide(item=item, actor=manager, decision="exception", justification="x", keep_until=bad)
        assert "keep_until" in error.value.message_dict
    until = today + datetime.timedelta(days=60)
    item_decide(
        item=item, actor=manager, decision="exception", justification="Project ends.", keep_until=until
    )
    item.refresh_from_db()
    assert item.keep_until == until


@pytest.mark.parametrize("persona", ["staff", "second_report", "auditor", "outsider"])
def test_only_the_reviewer_decides(request, item, persona):
    with pytest.raises(PermissionDenied):
        item_decide(item=item, actor=request.getfixturevalue(persona), decision=Decision.KEEP)
    item.refresh_from_db()
    assert item.decision == Decision.PENDING


def test_the_person_an_item_is_escalated_to_decides_too(item, second_report):
    ReviewItem.objects.filter(pk=item.pk).update(escalation_level=1, escalated_to=second_report)
    item_decide(item=item, actor=second_report, decision=Decision.KEEP)
    item.refresh_from_db()
    assert (item.decided_by, item.override) == (second_report, False)


def test_security_officer_override_is_recorded_and_audited_as_such(item, security_officer):
    item_decide(
        item=item, actor=security_officer, decision=Decision.REVOKE, justification="Left the project."
    )
    item.refresh_from_db()
    assert (item.decision, item.decided_by, item.override) == (Decision.REVOKE, security_officer, True)
    event = item_events(item).get()
    assert event.action == "access.item.override"
    assert event.changes["override"] is True
    assert event.changes["decision"] == ["pending", "revoke"]


def test_decisions_are_frozen_after_close(item, manager):
    item_decide(item=item, actor=manager, decision=Decision.KEEP)
    item.campaign.status = CampaignStatus.CLOSED
    item.campaign.save()
    with pytest.raises(ValidationError, match="frozen"):
        item_decide(item=item, actor=manager, decision=Decision.REVOKE, justification="Too late.")
    item.refresh_from_db()
    assert item.decision == Decision.KEEP


def test_a_decision_can_be_changed_until_close_with_before_and_after_recorded(item, manager):
    item_decide(item=item, actor=manager, decision=Decision.KEEP)
    item_decide(item=item, actor=manager, decision=Decision.REVOKE, justification="Moved teams.")
    item.refresh_from_db()
    assert item.decision == Decision.REVOKE
    latest = item_events(item).first()
    assert latest.changes["decision"] == ["keep", "revoke"]
    assert latest.changes["justification"] == ["", "Moved teams."]
    assert item_events(item).count() == 2


def test_a_double_submit_records_one_decision_and_one_event(item, manager):
    for _ in range(2):
        item_decide(item=item, actor=manager, decision=Decision.REVOKE, justification="Not needed.")
    assert item_events(item).count() == 1


def test_nobody_decides_on_their_own_access(campaign, security_officer):
    own = ReviewItemFactory(campaign=campaign, reviewer=security_officer, grant__user=security_officer)
    with pytest.raises(PermissionDenied):
        item_decide(item=own, actor=security_officer, decision=Decision.KEEP)


def test_bulk_keep_records_bulk_with_one_justification(campaign, manager, staff, second_report):
    items = [
        ReviewItemFactory(campaign=campaign, reviewer=manager, grant__user=person)
        for person in (staff, second_report)
    ]
    items_bulk_keep(items=items, actor=manager, justification="Same team, same work.")
    kept = ReviewItem.objects.filter(pk__in=[i.pk for i in items])
    assert {(i.decision, i.bulk, i.justification) for i in kept} == {
        (Decision.KEEP, True, "Same team, same work.")
    }
    assert AuditEvent.objects.filter(action="access.item.decide", changes__bulk=True).count() == 2


def test_bulk_keep_refuses_a_decided_item_and_keeps_nothing(item, privileged_item, manager):
    item_decide(item=privileged_item, actor=manager, decision=Decision.REVOKE, justification="Moved.")
    with pytest.raises(ValidationError, match="Only pending items"):
        items_bulk_keep(items=[item, privileged_item], actor=manager, justification="All fine.")
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


def test_bulk_keep_is_only_for_ones_own_items(item, second_report, security_officer):
    for actor in (second_report, security_officer):
        with pytest.raises(PermissionDenied):
            items_bulk_keep(items=[item], actor=actor, justification="Fine.")


def test_bulk_keep_needs_a_justification(item, manager):
    with pytest.raises(ValidationError, match="justification"):
        items_bulk_keep(items=[item], actor=manager, justification=" ")


def test_security_officer_reassigns_with_override_audit_and_both_reviewers_told(
    item, manager, second_report, security_officer
):
    item_reassign(item=item, actor=security_officer, new_reviewer=second_report, reason="Manager on leave.")
    item.refresh_from_db()
    assert (item.reviewer, item.override) == (second_report, True)
    event = item_events(item).get()
    assert event.action == "access.item.reassign"
    assert set(Notification.objects.values_list("recipient", flat=True)) == {manager.pk, second_report.pk}


def test_only_a_security_officer_reassigns(item, manager, second_report):
    with pytest.raises(PermissionDenied):
        item_reassign(item=item, actor=manager, new_reviewer=second_report, reason="Busy.")


def test_an_item_is_not_reassigned_to_its_holder(item, staff, security_officer):
    with pytest.raises(ValidationError, match="own access"):
        item_reassign(item=item, actor=security_officer, new_reviewer=staff, reason="Why not.")
