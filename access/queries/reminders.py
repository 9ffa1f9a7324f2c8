"""Reads of the reminder tick: who is owed a campaign's reminder step, not told yet nor held by a worker."""

from datetime import datetime

from access.choices import Decision
from access.models import ReminderClaim, ReviewCampaign, ReviewItem
from dpms.notify import digest_recipients


def pending_items(campaign: ReviewCampaign):
    """The campaign's items still waiting for a decision."""
    return ReviewItem.objects.filter(campaign=campaign, decision=Decision.PENDING)


def reviewers_to_claim(campaign: ReviewCampaign, *, step: str, dedup_prefix: str, stale_before: datetime):
    """The active people with pending items in ``campaign`` (as reviewer, or as the person an item was
    escalated to) who have no digest under ``dedup_prefix`` yet (``dpms.notify.digest_recipients``) and are
    not held by a worker for ``step``: not claimed, or claimed before ``stale_before`` (that worker's task
    was lost), by id."""
    held = ReminderClaim.objects.filter(campaign=campaign, step=step, claimed_at__gte=stale_before).values(
        "recipient_id"
    )
    return digest_recipients(
        pending_items(campaign), person_field=("reviewer_id", "escalated_to_id"), dedup_prefix=dedup_prefix
    ).exclude(pk__in=held)
