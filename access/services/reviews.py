"""Review decisions: a reviewer keeps, revokes, downgrades or time-boxes a grant under review; bulk keep and
accepting the recommendations of many items at once; a security officer's override and reassignment.
Decisions can change until the campaign closes, then freeze.

Acting on the decision (revocation tasks, auto-apply) happens at close, not here.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
        raise ValidationError(
            _("The campaign %(names)s is closed: its decisions are frozen.") % {"names": ", ".join(closed)}
        )
    return list(items_qs.select_for_update().select_related("holder").order_by("pk"))


def validate_decision(
    *, item: ReviewItem, decision: str, justification: str, downgrade_to: Role | None, keep_until, today
):
    """A decision a reviewer may record on ``item`` on ``today``: justified where the rule asks, a downgrade
    to a lesser role of the same system, an exception until a date within a year."""
    errors = {}
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose keep, revoke, downgrade or keep until a date.")})
    if not justification and (
        decision in NEEDS_JUSTIFICATION or (decision == Decision.KEEP and item.privileged)
    ):
        errors["justification"] = {
            str(Decision.KEEP): _("A justification is required for keeping a privileged grant."),
            str(Decision.REVOKE): _("A justification is required for a revoke decision."),
            str(Decision.DOWNGRADE): _("A justification is required for a downgrade decision."),
            str(Decision.EXCEPTION): _("A justification is required for an exception decision."),
        }[decision]
    if decision == Decision.DOWNGRADE:
        if item.system.is_portal:
            # Portal roles follow group memberships; a downgrade would need a grant the register refuses.
            errors["downgrade_to"] = _(
                "Portal roles are not downgraded: revoke, and give the role in People."
            )
        elif downgrade_to is None:
            errors["downgrade_to"] = _("Choose the role to downgrade to.")
        elif downgrade_to.system_id != item.system_id or downgrade_to.pk == item.role_id:
            errors["downgrade_to"] = _("Downgrade to another role of the same system.")
        elif downgrade_to.privileged and not item.privileged:
            errors["downgrade_to"] = _("A privileged role is not a downgrade of a non-privileged one.")
    if decision == Decision.EXCEPTION:
        if keep_until is None:
            errors["keep_until"] = _("Give the date until which the access is kept.")
        elif keep_until <= today:
            errors["keep_until"] = _("The date must be in the future.")
        elif keep_until > today + LONGEST_EXCEPTION:
            errors["keep_until"] = _("An exception lasts at most one year.")
    if errors:
        raise ValidationError(errors)


# What a decision changes on an item (saved one by one, or in one UPDATE for a batch).
DECISION_FIELDS = [
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


@dataclass
class _Change:
    """A decision set on a locked item and not yet saved: the item, its tally move and its audit entry."""

    item: ReviewItem
    move: tuple
    entry: dict


def _apply(
    *, item: ReviewItem, actor, decision, justification, downgrade_to, keep_until, bulk, now, note=None
) -> _Change | None:
    """Check authority and the rules, and set the decision on one locked item (not saved). None when nothing
    changes (the same submission again: a double click, a retry)."""
    if item.holder_id == actor.pk:
        raise PermissionDenied(_("Nobody reviews their own access."))
    override = not is_assigned(actor, item)
    if not may_change_item(actor, item):
        raise PermissionDenied(_("Only the item's reviewer, or a security officer, decides on it."))
    justification = (justification or "").strip()
    validate_decision(
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
        return None
    item.decided_by = actor
    item.decided_at = now
    item.override = override
    item.bulk = bulk
    item.default_applied = False
    changes = audit.diff(before, after)
    changes.update(
        {"override": override, "bulk": bulk, "reviewer": item.reviewer_id, "privileged": item.privileged}
    )
    changes.update(note or {})
    entry = {
        "action": "access.item.override" if override else "access.item.decide",
        "actor": actor,
        "obj": item,
        "changes": changes,
    }
    return _Change(item=item, move=(before_key, tally_key(item)), entry=entry)


def _decide_locked(
    *, item: ReviewItem, actor, decision, justification, downgrade_to, keep_until, bulk, now
) -> ReviewItem:
    """Decide one locked item: check authority, validate, no-op when nothing changes, audit the change."""
    change = _apply(
        item=item,
        actor=actor,
        decision=decision,
        justification=justification,
        downgrade_to=downgrade_to,
        keep_until=keep_until,
        bulk=bulk,
        now=now,
    )
    if change is None:
        return item
    item.save(update_fields=DECISION_FIELDS)
    tally_moves([change.move])
    event = audit.record(**change.entry)
    if item.override:
        # The assigned reviewer learns that a security officer decided in their place, and what.
        notify(
            recipient=item.reviewer,
            subject=format_lazy(
                gettext_lazy("A security officer decided an item of your access review: {item}"),
                item=str(item),
            ),
            body=(
                format_lazy(
                    gettext_lazy("{actor} recorded “{decision}” on {item}: {justification}"),
                    actor=str(actor),
                    decision=Decision(item.decision).label,
                    item=str(item),
                    justification=item.justification,
                )
                if item.justification
                else format_lazy(
                    gettext_lazy("{actor} recorded “{decision}” on {item}."),
                    actor=str(actor),
                    decision=Decision(item.decision).label,
                    item=str(item),
                )
            ),
            link=reverse("access:review_item", args=[item.pk]),
            dedup_key=f"access-override:{event.pk}",
        )
    return item


def _save_batch(changes: list[_Change]) -> None:
    """Write a batch of decisions: one UPDATE per thousand items, the tallies moved once, then one audit
    event per item (``record_many``, the transaction's last write: it holds the chain's lock to the end)."""
    ReviewItem.objects.bulk_update([c.item for c in changes], DECISION_FIELDS, batch_size=1000)
    tally_moves(c.move for c in changes)
    audit.record_many(c.entry for c in changes)


def _lock_own_pending(ids: list[int], actor, *, not_yours: str, only_pending: str) -> list[ReviewItem]:
    """Lock the items of a bulk decision and refuse the whole batch unless every one is still there, pending,
    and in the actor's own queue (a bulk decision is never an override)."""
    locked = _lock_open(ReviewItem.objects.filter(pk__in=ids))
    if len(locked) != len(ids):
        raise ValidationError(_("Some selected items no longer exist."))
    if any(not is_assigned(actor, item) for item in locked):
        raise PermissionDenied(not_yours)
    decided = [str(item) for item in locked if item.decision != Decision.PENDING]
    if decided:
        # The quick path is for unreviewed items; a recorded decision is changed one by one.
        raise ValidationError(only_pending % {"decided": "; ".join(decided)})
    return locked


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
    """Keep several pending items of the actor's own queue with one justification, recorded on each item
    (``bulk``); privileged ones too, since the justification the rule asks of them is always given.

    All or nothing: an item that is not the actor's to review, or no longer pending, refuses the batch."""
    ids = sorted({item.pk for item in items})
    if not ids:
        raise ValidationError(_("Select at least one item to keep."))
    if not (justification or "").strip():
        raise ValidationError({"justification": _("One justification is required for a bulk keep.")})
    locked = _lock_own_pending(
        ids,
        actor,
        not_yours=_("Bulk keep is only for items in your own queue."),
        only_pending=_("Only pending items are kept in bulk; already decided: %(decided)s"),
    )
    now = now or timezone.now()
    changes = [
        _apply(
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
    _save_batch([change for change in changes if change is not None])
    return locked


@dataclass
class Accepted:
    """What "Accept recommendations" did: the items decided, and those left alone (no recommendation that
    decides, see ``RECOMMENDED_DECISION``)."""

    decided: list[ReviewItem]
    left: list[ReviewItem]


@transaction.atomic
def items_accept_recommendations(
    *, items: Iterable[ReviewItem], actor, justification: str, now: datetime.datetime | None = None
) -> Accepted:
    """Decide what each selected item's recommendation says (revoke an inactive, deactivated or expired
    holder's access, keep access in use), with one justification recorded on each item (``bulk``), privileged
    items included. Items whose recommendation decides nothing, or that have none, are left untouched.

    All or nothing, like bulk keep: an item of another reviewer's queue, a decided item or a closed campaign
    refuses the whole batch. The items are locked as a single decision locks them (campaigns, then items)."""
    ids = sorted({item.pk for item in items})
    if not ids:
        raise ValidationError(_("Select at least one item."))
    if not (justification or "").strip():
        raise ValidationError(
            {"justification": _("One justification is required for the batch; it is recorded on each item.")}
        )
    locked = _lock_own_pending(
        ids,
        actor,
        not_yours=_("Accepting recommendations is only for items in your own queue."),
        only_pending=_(
            "Only pending items are decided by accepting their recommendation; already decided: %(decided)s"
        ),
    )
    chosen = [item for item in locked if item.recommended_decision]
    if not chosen:
        raise ValidationError(_("None of the selected items has a recommendation to accept."))
    now = now or timezone.now()
    changes = [
        _apply(
            item=item,
            actor=actor,
            decision=item.recommended_decision,
            justification=justification,
            downgrade_to=None,
            keep_until=None,
            bulk=True,
            now=now,
            note={"recommendation": item.recommendation},
        )
        for item in chosen
    ]
    _save_batch([change for change in changes if change is not None])
    return Accepted(decided=chosen, left=[item for item in locked if not item.recommended_decision])


@transaction.atomic
def item_reassign(*, item: ReviewItem, actor, new_reviewer, reason: str) -> ReviewItem:
    """A security officer gives an item to another reviewer (an override); both reviewers are told."""
    if not may_reassign(actor, item):
        raise PermissionDenied(_("Only a security officer reassigns review items."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the item is reassigned.")})
    (locked,) = _lock_open(ReviewItem.objects.filter(pk=item.pk))
    old_reviewer = locked.reviewer
    if not new_reviewer.is_active:
        raise ValidationError({"new_reviewer": _("A deactivated person cannot review.")})
    if new_reviewer.pk == locked.holder_id:
        raise ValidationError({"new_reviewer": _("Nobody reviews their own access.")})
    if new_reviewer.pk == old_reviewer.pk:
        raise ValidationError({"new_reviewer": _("This person already reviews the item.")})
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
        (
            new_reviewer,
            format_lazy(gettext_lazy("A review item was assigned to you: {item}"), item=str(locked)),
        ),
        (
            old_reviewer,
            format_lazy(
                gettext_lazy("A review item was reassigned to {person}: {item}"),
                person=str(new_reviewer),
                item=str(locked),
            ),
        ),
    ):
        notify(
            recipient=person,
            subject=subject,
            body=format_lazy(
                gettext_lazy("{actor} reassigned it. Reason: {reason}"), actor=str(actor), reason=reason
            ),
            link=link,
            dedup_key=f"access-item-reassign:{event.sequence}:{person.pk}",
        )
    return locked
