"""Closing a campaign: defaults, the auto-revoke safety stop, revocations applied or handed to the owner."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from access.choices import CampaignStatus, Decision, DefaultDecision, TaskStatus
from access.models import Grant, ReviewItem, RevocationTask
from access.services.closing import campaign_close, close_due_campaigns
from dpms.models import AuditEvent, Notification
from tests.access.closing_support import campaign_with_items

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def decide(item, decision, justification="Checked."):
    ReviewItem.objects.filter(pk=item.pk).update(
        decision=decision, justification=justification, decided_at=NOW, decided_by=item.reviewer
    )


def test_undecided_items_take_the_policy_default_and_are_marked(security_officer):
    campaign = campaign_with_items(3, default_decision=DefaultDecision.KEEP)
    decided = campaign.items.first()
    decide(decided, Decision.KEEP)
    campaign_close(campaign=campaign, actor=security_officer, now=NOW)
    items = {i.pk: i for i in campaign.items.all()}
    assert items.pop(decided.pk).default_applied is False
    assert {(i.decision, i.default_applied) for i in items.values()} == {(Decision.KEEP, True)}


def test_flag_default_leaves_items_as_no_response(security_officer):
    campaign = campaign_with_items(2, default_decision=DefaultDecision.FLAG)
    campaign_close(campaign=campaign, actor=security_officer, now=NOW)
    assert set(campaign.items.values_list("decision", flat=True)) == {Decision.NO_RESPONSE}


def test_close_freezes_the_campaign_and_records_who(security_officer):
    campaign = campaign_with_items(1)
    campaign_close(campaign=campaign, actor=security_officer, now=NOW)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.closed_by, campaign.closed_at) == (
        CampaignStatus.CLOSED,
        security_officer,
        NOW,
    )
    assert not campaign.is_open  # the decide service refuses decisions on a campaign that is not open
    with pytest.raises(ValidationError, match="closed already"):
        campaign_close(campaign=campaign, actor=security_officer, now=NOW)


def test_only_a_security_officer_closes(manager):
    campaign = campaign_with_items(1)
    with pytest.raises(ValidationError, match="security officer"):
        campaign_close(campaign=campaign, actor=manager, now=NOW)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


def test_revocations_open_a_task_for_the_owner_without_auto_apply(security_officer):
    campaign = campaign_with_items(3, default_decision=DefaultDecision.KEEP, auto_apply=False)
    item = campaign.items.first()
    decide(item, Decision.REVOKE)
    campaign_close(campaign=campaign, actor=security_officer, now=NOW)
    task = RevocationTask.objects.get()
    assert (task.grant_id, task.review_item_id, task.assignee) == (item.grant_id, item.pk, item.system.owner)
    assert task.status == TaskStatus.OPEN
    assert task.due_at == NOW + datetime.timedelta(days=7)
    assert Grant.objects.get(pk=item.grant_id).revoked_at is None
    assert Notification.objects.filter(recipient=item.system.owner, subject__contains="revoke").exists()


def test_revocations_are_applied_at_once_with_auto_apply(security_officer):
    campaign = campaign_with_items(10, default_decision=DefaultDecision.KEEP, auto_apply=True)
    item = campaign.items.first()
    decide(item, Decision.REVOKE)
    campaign_close(campaign=campaign, actor=security_officer, now=NOW)
    item.refresh_from_db()
    grant = Grant.objects.get(pk=item.grant_id)
    assert (grant.revoked_at, grant.revoked_by) == (NOW, security_officer)
    assert (item.applied_at, item.applied_by) == (NOW, security_officer)
    assert not RevocationTask.objects.exists()
    assert Grant.objects.active().count() == 9


def test_a_downgrade_with_auto_apply_replaces_the_role(security_officer):
    campaign = campaign_with_items(10, auto_apply=True)
    item = campaign.items.first()
    from tests.access.factories import RoleFactory

    lower = RoleFactory(system=item.system, name="Reader")
    ReviewItem.objects.filter(pk=item.pk).update(
        decision=Decision.DOWNGRADE, downgrade_to=lower, justification="Less"
    )
    campaign_close(campaign=campaign, actor=security_officer, now=NOW)
    assert Grant.objects.get(pk=item.grant_id).revoked_at == NOW
    assert Grant.objects.active().filter(user=item.holder, role=lower).exists()


def test_decided_items_mark_their_grant_reviewed(security_officer):
    campaign = campaign_with_items(2, default_decision=DefaultDecision.KEEP)
    kept = campaign.items.first()
    decide(kept, Decision.KEEP)
    campaign_close(campaign=campaign, actor=security_officer, now=NOW)
    reviewed = set(Grant.objects.filter(last_reviewed_at=NOW).values_list("pk", flat=True))
    assert reviewed == {kept.grant_id}  # a default keep is not a review


def test_auto_revoke_over_the_share_stops_for_confirmation(security_officer):
    campaign = campaign_with_items(5, default_decision=DefaultDecision.REVOKE, auto_apply=True)
    held = campaign_close(campaign=campaign, actor=None, now=NOW)
    assert held.status == CampaignStatus.CONFIRM
    assert Grant.objects.active().count() == 5
    assert set(campaign.items.values_list("decision", flat=True)) == {Decision.PENDING}
    assert Notification.objects.filter(
        recipient=security_officer, subject__startswith="Confirm the close"
    ).exists()
    assert AuditEvent.objects.filter(action="access.campaign.close_held").count() == 1

    closed = campaign_close(campaign=campaign, actor=security_officer, now=NOW, confirmed=True)
    assert (closed.status, closed.close_confirmed_by) == (CampaignStatus.CLOSED, security_officer)
    assert Grant.objects.active().count() == 0
    assert set(campaign.items.values_list("default_applied", flat=True)) == {True}


def test_a_held_close_is_not_closed_by_the_tick_or_without_confirming(security_officer):
    campaign = campaign_with_items(5, default_decision=DefaultDecision.REVOKE, auto_apply=True)
    campaign_close(campaign=campaign, actor=None, now=NOW)
    assert close_due_campaigns(now=NOW + datetime.timedelta(days=30)) == 0
    with pytest.raises(ValidationError, match="must confirm"):
        campaign_close(campaign=campaign, actor=security_officer, now=NOW)
    assert Grant.objects.active().count() == 5


def test_auto_revoke_under_the_share_closes_without_confirmation(security_officer):
    campaign = campaign_with_items(10, default_decision=DefaultDecision.REVOKE, auto_apply=True)
    for item in list(campaign.items.all())[:9]:
        decide(item, Decision.KEEP)
    closed = campaign_close(campaign=campaign, actor=None, now=NOW)
    assert closed.status == CampaignStatus.CLOSED
    assert Grant.objects.active().count() == 9


def test_tick_closes_due_campaigns_once():
    due = campaign_with_items(2)
    due.due_at = NOW - datetime.timedelta(minutes=1)
    due.save()
    later = campaign_with_items(1)
    assert close_due_campaigns(now=NOW) == 1
    assert close_due_campaigns(now=NOW) == 0
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, due.closed_by, later.status) == (CampaignStatus.CLOSED, None, CampaignStatus.OPEN)
    assert AuditEvent.objects.filter(action="access.campaign.close").count() == 1


def test_the_notice_of_tasks_after_a_close_shows_done_once_the_owner_has_done_them_all(security_officer):
    from access.services.revocations import revocation_task_done

    campaign = campaign_with_items(2, default_decision=DefaultDecision.KEEP, auto_apply=False)
    first, second = campaign.items.order_by("pk")
    decide(first, Decision.REVOKE)
    decide(second, Decision.REVOKE)
    campaign_close(campaign=campaign, actor=security_officer, now=NOW)
    owner = first.system.owner
    notice = Notification.objects.get(recipient=owner, subject__contains="revoke")
    one, two = RevocationTask.objects.order_by("pk")

    revocation_task_done(task=one, actor=owner, note="Removed in the console.", now=NOW)
    notice.refresh_from_db()
    assert not notice.is_done  # one task is still owed

    revocation_task_done(task=two, actor=owner, note="Removed in the console.", now=NOW)
    notice.refresh_from_db()
    assert notice.is_done
    assert notice.is_read
