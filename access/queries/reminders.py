"""Reads of the reminder tick: who is owed a campaign's reminder step, not told yet nor held by a worker."""

from datetime import datetime

from access.choices import Decision
from access.models import ReminderClaim, ReviewCampaign, ReviewItem
from dpms.models import Notification, User


def pending_items(campaign: ReviewCampaign):
    """The campaign's items still waiting for a decision."""
    return ReviewItem.objects.filter(campaign=campaign, decision=Decision.PENDING)


def reviewers_to_claim(campaign: ReviewCampaign, *, step: str, dedup_prefix: str, stale_before: datetime):
    """The active people with pending items in ``campaign`` (as reviewer, or as the person an item
    was escalated to) who have no digest under ``dedup_prefix`` yet and are not held by a worker for ``step``:
    not claimed, or claimed before ``stale_before`` (that worker's task was lost), by id.

    The people are read as one IN over the UNION of the two fields, as ``dpms.notify.claim_digest_recipients``
    does and for its reason (an OR of two INs made PostgreSQL check every person against every item)."""
    told = Notification.objects.filter(dedup_key__startswith=f"{dedup_prefix}:").values("recipient_id")
    held = ReminderClaim.objects.filter(campaign=campaign, step=step, claimed_at__gte=stale_before).values(
        "recipient_id"
    )
    items = pending_items(campaign)
    named = [
        items.filter(**{f"{field}__isnull": False}).order_by().values(field)
        for field in ("reviewer_id", "escalated_to_id")
    ]
    return (
        User.objects.filter(pk__in=named[0].union(named[1]), is_active=True)
        .exclude(pk__in=told)
        .exclude(pk__in=held)
        .order_by("pk")
    )
