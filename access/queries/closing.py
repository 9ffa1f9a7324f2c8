"""Reads for closing a campaign: who may close it and read its evidence, and what closing now would do."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from access.choices import CampaignStatus, Decision, DefaultDecision
from access.models import ReviewCampaign, ReviewItem
from access.queries.campaigns import CampaignNumbers

# Campaigns without a policy (ad hoc, mover): undecided items stay flagged, nothing is applied automatically.
DEFAULT_DECISION_WITHOUT_POLICY = DefaultDecision.FLAG
# The decisions that take access away when the campaign closes.
REVOKING = (Decision.REVOKE, Decision.DOWNGRADE)


def may_close(user) -> bool:
    """Closing a campaign, and confirming a held close, is for security officers."""
    return bool(getattr(user, "is_security_officer", False))


def may_read_evidence(user) -> bool:
    """A closed campaign's evidence is for security officers and auditors."""
    return bool(user.is_security_officer or user.is_auditor)


def get_campaign_to_close(user, pk) -> ReviewCampaign:
    """Closing is for security officers (others: 403); a campaign that does not exist is a 404."""
    campaign = get_object_or_404(ReviewCampaign.objects.select_related("policy", "close_confirmed_by"), pk=pk)
    if not may_close(user):
        raise PermissionDenied(_("Only a security officer can close a campaign."))
    return campaign


def get_campaign_evidence(user, pk) -> ReviewCampaign:
    """Evidence is for security officers and auditors, and exists once the campaign is closed."""
    if not may_read_evidence(user):
        raise PermissionDenied(_("Campaign evidence is for security officers and auditors."))
    return get_object_or_404(ReviewCampaign, pk=pk, status=CampaignStatus.CLOSED)


def close_plan(campaign: ReviewCampaign) -> dict:
    """What closing now would do: counts for the close page and the safety stop."""
    policy = campaign.policy
    default = policy.default_decision if policy else DEFAULT_DECISION_WITHOUT_POLICY
    auto_apply = bool(policy and policy.auto_apply)
    share = policy.auto_revoke_confirm_share if policy else Decimal("0.2")
    counts = ReviewItem.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(decision=Decision.PENDING)),
        no_response=Count("pk", filter=Q(decision=Decision.NO_RESPONSE)),
        revoking=Count("pk", filter=Q(decision__in=REVOKING, applied_at__isnull=True)),
    )
    total, pending, revoking = counts["total"], counts["pending"], counts["revoking"]
    # Closed: the items that took the default then; before: only a "no response" is a default.
    defaulted = campaign.defaulted_items if campaign.defaulted_items is not None else counts["no_response"]
    numbers = CampaignNumbers(
        total=total, reviewed=total - pending - defaulted, defaulted=defaulted, pending=pending
    )
    if default == DefaultDecision.REVOKE:
        revoking += pending
    auto_revokes = revoking if auto_apply else 0
    return {
        "total": total,
        "pending": pending,
        "default_decision": default,
        "default_decision_label": DefaultDecision(default).label,
        "auto_apply": auto_apply,
        "revoking": revoking,
        "auto_revokes": auto_revokes,
        "share": share,
        "needs_confirmation": total > 0 and Decimal(auto_revokes) > Decimal(share) * total,
        # What the close page shows: reviewed by a person, defaulted, pending; the close form asks the
        # closer to accept that the pending items take the default when there are any.
        "numbers": numbers,
        "reviewed_percent": numbers.reviewed_percent,
    }
