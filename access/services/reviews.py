"""Review decisions: a reviewer keeps, revokes, downgrades or time-boxes a grant under review; bulk keep; a
security officer's override and reassignment. Decisions can change until the campaign closes, then freeze.

Acting on the decision (revocation tasks, auto-apply) happens at close, not here.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from access.choices import CampaignStatus, Decision
from access.models import ReviewCampaign, ReviewItem, Role
from access.queries.reviews import is_assigned, may_change_item, may_reassign
from access.services.tallies import tally_key, tally_moves
from dpms import audit
from dpms.notify import notify

DECISIONS = (Decision.KEEP, Decision.REVOKE, Decision.DOWNGRADE, Decision.EXCEPTION)
NEEDS_JUSTIFICATION = (Decision.REVOKE, Decision.DOWNGRADE, Decision.EXCEPTION)
LONGEST_EXCEPTION = datetime.timedelta(days=365)


def _state(item: ReviewItem) -> dict:
    return {
        "decision": item.decision,
        "justification": item.justification,
        "downgrade_to": item.downgrade_to_id,
        "keep_until": item.keep_until.isoformat() if item.keep_until else None,
    }


def _lock_open(items_qs) -> list[ReviewItem]:
    """Lock the items' campaigns, then the items, and refuse when a campaign is not open.

    Campaign first, items second, the order a close takes too: a decision lands entirely before the close
    (and is in its evidence) or is refused after it. The item lock makes a double submit or two people
    deciding at once queue up, so the second sees the first's decision."""
    campaign_ids = set(items_qs.values_list("campaign_id", flat=True))
    campaigns = list(ReviewCampaign.objects.select_for_update().filter(pk__in=campaign_ids).order_by("pk"))
    closed = [c.name for c in campaigns if c.status != CampaignStatus.OPEN]
    if closed:
        raise ValidationError(f"The campaign {', '.join(closed)} is closed: its decisions are frozen.")
    return list(items_qs.select_for_update().select_related("holder").order_by("pk"))


def _validate(
    *, item: ReviewItem, decision: str, justification: str, downgrade_to: Role | None, keep_until, today
):
    errors = {}
    if decision not in DECISIONS:
        raise ValidationError({"decision": "Choose keep, revoke, downgrade or keep until a date."})
    if not justification and (
        decision in NEEDS_JUSTIFICATION or (decision == Decision.KEEP and item.privileged)
    ):
        reason = "keeping a privileged grant" if decision == Decision.KEEP else f"a {decision} decision"
        errors["justification"] = f"A justification is required for {reason}."
    if decision == Decision.DOWNGRADE:
        if item.system.is_portal:
            # Portal roles follow group memberships; a downgrade would need a grant the register refuses.
            errors["downgrade_to"] = "Portal roles are not downgraded: revoke, and give the role in People."
        elif downgrade_to is None:
            errors["downgrade_to"] = "Choose the role to downgrade to."
        elif downgrade_to.system_id != item.system_id or downgrade_to.pk == item.role_id:
            errors["downgrade_to"] = "Downgrade to another role of the same system."
        elif downgrade_to.privileged and not item.privileged:
            errors["downgrade_to"] = "A privileged role is not a downgrade of a non-privileged one."
    if decision == Decision.EXCEPTION:
        if keep_until is None:
            errors["keep_until"] = "Give the date until which the access is kept."
        elif keep_until <= today:
            errors["keep_until"] = "The date must be in the future."
        elif keep_until > today + LONGEST_EXCEPTION:
            errors["keep_until"] = "An exception lasts at most one year."
    if errors:
        raise ValidationError(errors)


def _decide_locked(
    *, item: ReviewItem, actor, decision, justification, downgrade_to, keep_until, bulk, now
) -> ReviewItem:
    """Decide one locked item: check authority, validate, no-op when nothing changes, audit the change."""
    if item.holder_id == actor.pk:
        raise PermissionDenied("Nobody reviews their own access.")
    override = not is_assigned(actor, item)
    if not may_change_item(actor, item):
        raise PermissionDenied("Only the item's reviewer, or a security officer, decides on it.")
    justification = (justification or "").strip()
    _validate(
        item=item,
        decision=decision,
        justification=justification,
        downgrade_to=downgrade_to,
        keep_until=keep_until,
        today=timezone.localdate(now),
    )
    before, before_key = _state(item), tally_key(item)
    item.decision = decision
    item.justification = justification
    item.downgrade_to = downgrade_to if decision == Decision.DOWNGRADE else None
    item.keep_until = keep_until if decision == Decision.EXCEPTION else None
    after = _state(item)
    if after == before:
        return item  # the same submission again (double click, retry): nothing new to record
    item.decided_by = actor
    item.decided_at = now
    item.override = override
    item.bulk = bulk
    item.default_applied = False
    item.save(
        update_fields=[
            "decision",
            "justification",
            "downgrade_to",
            "keep_until",
            "decided_by",
            "decided_at",
            "override",
            "bulk",
            "default_applied",
        ]
    )
    tally_moves([(before_key, tally_key(item))])
    changes = audit.diff(before, after)
    changes.update(
        {"override": override, "bulk": bulk, "reviewer": item.reviewer_id, "privileged": item.privileged}
    )
    event = audit.record(
        action="access.item.override" if override else "access.item.decide",
        actor=actor,
        obj=item,
        changes=changes,
    )
    if override:
        # The assigned reviewer learns that a security officer decided in their place, and what.
        notify(
            recipient=item.reviewer,
            subject=f"A security officer decided an item of your access review: {item}",
            body=f"{actor} recorded “{item.get_decision_display()}” on {item}"
            + (f": {item.justification}" if item.justification else "."),
            link=reverse("access:review_item", args=[item.pk]),
            dedup_key=f"access-override:{event.pk}",
        )
    return item


@transaction.atomic
def item_decide(
    *,
    item: ReviewItem,
    actor,
    decision: str,
    justification: str = "",
    downgrade_to: Role | None = None,
    keep_until: datetime.date | None = None,
    bulk: bool = False,
    now: datetime.datetime | None = None,
) -> ReviewItem:
    """Record (or change) the decision on one review item while its campaign is open.

    The item's reviewers decide; a security officer may decide on their behalf, recorded as an override.
    A justification is required for revoke, downgrade, keep until a date, and for keeping a privileged
    grant. Submitting the same decision again records nothing new."""
    (locked,) = _lock_open(ReviewItem.objects.filter(pk=item.pk))
    return _decide_locked(
        item=locked,
        actor=actor,
        decision=decision,
        justification=justification,
        downgrade_to=downgrade_to,
        keep_until=keep_until,
        bulk=bulk,
        now=now or timezone.now(),
    )


@transaction.atomic
def items_bulk_keep(
    *, items: Iterable[ReviewItem], actor, justification: str, now: datetime.datetime | None = None
) -> list[ReviewItem]:
    """Keep several non-privileged items of the actor's own queue with one justification (``bulk``).

    All or nothing: a privileged item, or one that is not the actor's to review, refuses the whole batch."""
    ids = sorted({item.pk for item in items})
    if not ids:
        raise ValidationError("Select at least one item to keep.")
    if not (justification or "").strip():
        raise ValidationError({"justification": "One justification is required for a bulk keep."})
    locked = _lock_open(ReviewItem.objects.filter(pk__in=ids))
    if len(locked) != len(ids):
        raise ValidationError("Some selected items no longer exist.")
    decided = [str(item) for item in locked if item.decision != Decision.PENDING]
    if decided:
        # Bulk keep is the quick path for unreviewed items; a recorded decision is changed one by one.
        raise ValidationError("Only pending items are kept in bulk; already decided: " + "; ".join(decided))
    privileged = [str(item) for item in locked if item.privileged]
    if privileged:
        raise ValidationError(
            "Privileged access is never kept in bulk; decide on it one by one: " + "; ".join(privileged)
        )
    if any(not is_assigned(actor, item) for item in locked):
        raise PermissionDenied("Bulk keep is only for items in your own queue.")
    now = now or timezone.now()
    return [
        _decide_locked(
            item=item,
            actor=actor,
            decision=Decision.KEEP,
            justification=justification,
            downgrade_to=None,
            keep_until=None,
            bulk=True,
            now=now,
        )
        for item in locked
    ]


@transaction.atomic
def item_reassign(*, item: ReviewItem, actor, new_reviewer, reason: str) -> ReviewItem:
    """A security officer gives an item to another reviewer (an override); both reviewers are told."""
    if not may_reassign(actor, item):
        raise PermissionDenied("Only a security officer reassigns review items.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the item is reassigned."})
    (locked,) = _lock_open(ReviewItem.objects.filter(pk=item.pk))
    old_reviewer = locked.reviewer
    if not new_reviewer.is_active:
        raise ValidationError({"new_reviewer": "A deactivated person cannot review."})
    if new_reviewer.pk == locked.holder_id:
        raise ValidationError({"new_reviewer": "Nobody reviews their own access."})
    if new_reviewer.pk == old_reviewer.pk:
        raise ValidationError({"new_reviewer": "This person already reviews the item."})
    before_key = tally_key(locked)
    locked.reviewer = new_reviewer
    locked.override = True
    locked.routing_note = f"Reassigned by {actor}: {reason}"[:300]
    locked.save(update_fields=["reviewer", "override", "routing_note"])
    tally_moves([(before_key, tally_key(locked))])
    event = audit.record(
        action="access.item.reassign",
        actor=actor,
        obj=locked,
        changes={"reviewer": [old_reviewer.email, new_reviewer.email], "reason": reason, "override": True},
    )
    link = reverse("access:review_item", args=[locked.pk])
    for person, subject in (
        (new_reviewer, f"A review item was assigned to you: {locked}"),
        (old_reviewer, f"A review item was reassigned to {new_reviewer}: {locked}"),
    ):
        notify(
            recipient=person,
            subject=subject,
            body=f"{actor} reassigned it. Reason: {reason}",
            link=link,
            dedup_key=f"access-item-reassign:{event.sequence}:{person.pk}",
        )
    return locked
