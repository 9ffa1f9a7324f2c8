"""Closing a review campaign: defaults for undecided items, revocations, freeze, evidence.

The tick closes campaigns at their due date; a security officer can close one earlier. A close that would
auto-revoke more than the policy's ``auto_revoke_confirm_share`` of the items stops in status "confirm" and
asks the security officers; one of them confirms on the close page, and the close proceeds.
"""

import logging
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.choices import CampaignStatus, Decision, DefaultDecision, TaskStatus
from access.models import Grant, ReviewCampaign, ReviewItem, RevocationTask
from access.queries.closing import REVOKING, close_plan, may_close
from access.services import evidence
from access.services.grants import grant_create, grant_revoke
from access.services.revocations import closing_tasks_topic
from access.services.tallies import tally_recount
from dpms import audit, notify, webhooks
from dpms.models import User, WebhookEvent
from dpms.notify import DigestItem, digest, notify_each_once

REVOCATION_TASK_DAYS = 7
DEFAULT_TO_DECISION = {
    DefaultDecision.KEEP: Decision.KEEP,
    DefaultDecision.REVOKE: Decision.REVOKE,
    DefaultDecision.FLAG: Decision.NO_RESPONSE,
}

log = logging.getLogger(__name__)


def _check_actor(actor) -> None:
    if actor is not None and not may_close(actor):
        raise ValidationError(_("Only a security officer can close a campaign."))


@transaction.atomic
def campaign_close(
    *, campaign: ReviewCampaign, actor, now: datetime, confirmed: bool = False
) -> ReviewCampaign:
    """Close ``campaign`` (``actor`` None: the tick). Returns it closed, or in status "confirm" when the
    auto-revoke safety stop holds it; ``confirmed=True`` is a security officer's go-ahead."""
    _check_actor(actor)
    # Lock the campaign: the tick and a security officer (or two ticks) must not both close it.
    campaign = (
        ReviewCampaign.objects.select_for_update(of=("self",)).select_related("policy").get(pk=campaign.pk)
    )
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("This campaign is closed already."))
    if campaign.status == CampaignStatus.LAUNCHING:
        raise ValidationError(_("This campaign is still launching; close it once it is open."))
    if confirmed and actor is None:
        raise ValidationError(_("Only a security officer can confirm a close."))
    plan, status_before = close_plan(campaign), campaign.status
    if plan["needs_confirmation"] and not confirmed and campaign.close_confirmed_by_id is None:
        if campaign.status == CampaignStatus.CONFIRM:
            raise ValidationError(
                _("This close would auto-revoke many grants: a security officer must confirm.")
            )
        return _hold_for_confirmation(campaign, actor, plan)
    if confirmed:
        campaign.close_confirmed_by = actor
    campaign.defaulted_items = _apply_defaults(campaign, plan["default_decision"], now)
    applied, tasks = _revocations(campaign, actor, plan["auto_apply"], now)
    time_boxed = _time_box_exceptions(campaign, actor)
    Grant.objects.filter(
        pk__in=ReviewItem.objects.filter(campaign=campaign, default_applied=False)
        .exclude(decision__in=(Decision.PENDING, Decision.NO_RESPONSE))
        .values("grant_id")
    ).update(last_reviewed_at=now)
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = now
    campaign.closed_by = actor
    campaign.save(update_fields=["status", "closed_at", "closed_by", "close_confirmed_by", "defaulted_items"])
    audit.record(
        action="access.campaign.close",
        actor=actor,
        obj=campaign,
        changes={
            "status": [status_before, CampaignStatus.CLOSED],
            "defaults_applied": plan["pending"],
            "default_decision": plan["default_decision"],
            "reviewed": plan["numbers"].reviewed,
            "total": plan["total"],
            "revocations_applied": applied,
            "revocation_tasks_opened": tasks,
            "exceptions_time_boxed": time_boxed,
            "confirmed_by": actor.email if confirmed else None,
        },
    )
    webhooks.emit(
        WebhookEvent.CAMPAIGN_CLOSED,
        {
            "campaign": campaign.pk,
            "name": str(campaign),
            "defaults_applied": plan["pending"],
            # Reviewed by a person (the defaults are not), so a receiver never reads 100 % for a
            # campaign nobody reviewed.
            "reviewed": plan["numbers"].reviewed,
            "reviewed_percent": plan["numbers"].reviewed_percent,
            "revocations_applied": applied,
            "revocation_tasks_opened": tasks,
            "url": webhooks.absolute_url(reverse("access:campaign_detail", args=[campaign.pk])),
        },
        event_id=f"campaign-closed:{campaign.pk}",
    )
    evidence.produce_evidence(campaign=campaign, actor=actor, now=now)
    notify.withdraw(campaign)  # its reminders, escalations and the request to confirm are owed no more
    return campaign


def _time_box_exceptions(campaign: ReviewCampaign, actor) -> list[int]:
    """A "keep until a date" decision becomes the grant's expiry (end of that day, installation time), so
    the expiry tick ends the access then. A grant expiring sooner already keeps its earlier date."""
    boxed = []
    exceptions = ReviewItem.objects.filter(
        campaign=campaign,
        decision=Decision.EXCEPTION,
        keep_until__isnull=False,
        grant__revoked_at__isnull=True,
    ).select_related("grant")
    for item in exceptions:
        if item.keep_until is None:  # left out by the query already; this tells the type checker
            continue
        ends = datetime.combine(item.keep_until, time.max, tzinfo=timezone.get_default_timezone())
        grant = item.grant
        if grant.expires_at is None or grant.expires_at > ends:
            Grant.objects.filter(pk=grant.pk).update(expires_at=ends)
            boxed.append(grant.pk)
    if boxed:
        audit.record(
            action="access.grant.time_box",
            actor=actor,
            obj=campaign,
            changes={"grants": boxed, "reason": "kept until a date in the review"},
        )
    return boxed


def _hold_for_confirmation(campaign: ReviewCampaign, actor, plan: dict) -> ReviewCampaign:
    campaign.status = CampaignStatus.CONFIRM
    campaign.save(update_fields=["status"])
    audit.record(
        action="access.campaign.close_held",
        actor=actor,
        obj=campaign,
        changes={
            "status": [CampaignStatus.OPEN, CampaignStatus.CONFIRM],
            "auto_revokes": plan["auto_revokes"],
            "total": plan["total"],
            "share": str(plan["share"]),
        },
    )
    notify_each_once(
        User.objects.security_officers(),
        subject=format_lazy(gettext_lazy("Confirm the close of access review “{name}”"), name=campaign.name),
        body=format_lazy(
            gettext_lazy(
                "Closing it would revoke {revokes} of {total} grants automatically, more than the policy's "
                "safety share of {share}. Check and confirm on the close page."
            ),
            revokes=plan["auto_revokes"],
            total=plan["total"],
            share=f"{plan['share']:.0%}",
        ),
        link=f"/access/campaigns/{campaign.pk}/close",
        dedup_key=f"access-close-confirm:{campaign.pk}",
        topic=campaign,
    )
    return campaign


def _apply_defaults(campaign: ReviewCampaign, default: str, now: datetime) -> int:
    applied = ReviewItem.objects.filter(campaign=campaign, decision=Decision.PENDING).update(
        decision=DEFAULT_TO_DECISION[DefaultDecision(default)],
        default_applied=True,
        decided_at=now,
        decided_by=None,
    )
    if applied:
        tally_recount(campaign_id=campaign.pk)
    return applied


def _revocations(campaign: ReviewCampaign, actor, auto_apply: bool, now: datetime) -> tuple[int, int]:
    """Apply revoke and downgrade decisions at once (auto-apply) or open a task for the system owner."""
    items = (
        ReviewItem.objects.filter(campaign=campaign, decision__in=REVOKING, applied_at__isnull=True)
        .filter(Q(revocation_task__isnull=True))
        .select_related("grant__role__system", "holder", "downgrade_to", "system__owner")
        .order_by("pk")
    )
    if auto_apply:
        applied = 0
        for item in items.iterator(chunk_size=500):
            apply_item_revocation(item=item, actor=actor, now=now, reason=_reason(campaign, item))
            applied += 1
        return applied, 0
    tasks = [
        RevocationTask(
            system=item.system,
            grant=item.grant,
            review_item=item,
            assignee=item.system.owner,
            reason=_reason(campaign, item),
            created_at=now,
            due_at=now + timedelta(days=REVOCATION_TASK_DAYS),
        )
        for item in items
        if item.grant.revoked_at is None
    ]
    # ignore_conflicts: a grant with an open task already (one open task per grant) keeps that one.
    RevocationTask.objects.bulk_create(tasks, batch_size=1000, ignore_conflicts=True)
    opened = RevocationTask.objects.filter(
        review_item__campaign=campaign, status=TaskStatus.OPEN
    ).select_related("assignee")
    digest(
        items=[
            DigestItem(recipient=task.assignee, text=task.reason, link=f"/access/revocations/{task.pk}/")
            for task in opened
            if task.assignee is not None and task.assignee.is_active
        ],
        subject=format_lazy(gettext_lazy("Access to revoke after review “{name}”"), name=campaign.name),
        intro=gettext_lazy(
            "The review decided to remove this access. Remove it in the system, then mark the task done."
        ),
        dedup_prefix=f"access-revocation-tasks:{campaign.pk}",
        topic=closing_tasks_topic(campaign.pk),  # done once the owner has done them all
    )
    return 0, len(tasks)


def _reason(campaign: ReviewCampaign, item: ReviewItem) -> str:
    downgrade = item.downgrade_to if item.decision == Decision.DOWNGRADE else None
    what = f"downgrade to {downgrade.name}" if downgrade is not None else "revoke"
    why = "default decision at close" if item.default_applied else (item.justification or "review decision")
    where = f"{item.system_name} · {item.role_name}"
    return f"Access review “{campaign.name}”: {what} {item.holder_label} on {where} ({why})"


def apply_item_revocation(*, item: ReviewItem, actor, now: datetime, reason: str) -> None:
    """Revoke the item's grant (and grant the downgrade role), recording when and by whom (None: the tick).

    A grant revoked meanwhile (by hand, at expiry) stays revoked: no downgrade role brings access back."""
    already_revoked = Grant.objects.filter(pk=item.grant_id, revoked_at__isnull=False).exists()
    grant_revoke(actor=actor, grant=item.grant, reason=reason, now=now)
    if item.decision == Decision.DOWNGRADE and item.downgrade_to is not None and not already_revoked:
        holds = Grant.objects.active().filter(user=item.holder, role=item.downgrade_to).exists()
        if item.holder.is_active and not holds:
            grant_create(actor=actor, user=item.holder, role=item.downgrade_to, justification=reason)
    ReviewItem.objects.filter(pk=item.pk).update(applied_at=now, applied_by=actor)


def _closable(now):
    return Q(closes_at__lte=now) | Q(closes_at__isnull=True, due_at__lte=now)


def close_due_campaigns(*, now: datetime) -> int:
    """Tick step: close open campaigns whose close date has passed (the due date plus the escalation window,
    see ``ReviewPolicy.close_date``). Returns how many closed (not held for confirmation)."""
    closed = 0
    due = ReviewCampaign.objects.filter(_closable(now), status=CampaignStatus.OPEN)
    for campaign_id in list(due.values_list("pk", flat=True)):
        try:
            closed += _close_one_due(campaign_id, now)
        except Exception:
            # One campaign that cannot close (logged, and retried next tick) must not hold up the others.
            log.exception("Could not close access review campaign %s", campaign_id)
    return closed


@transaction.atomic
def _close_one_due(campaign_id, now) -> int:
    """Close one due campaign unless another worker has it; 1 when it closed, 0 when held or taken."""
    # skip_locked: another worker closing this campaign right now has it.
    campaign = (
        ReviewCampaign.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(_closable(now), pk=campaign_id, status=CampaignStatus.OPEN)
        .first()
    )
    if campaign is None:
        return 0
    campaign = campaign_close(campaign=campaign, actor=None, now=now)
    return int(campaign.status == CampaignStatus.CLOSED)
