"""Choices of the access app."""

import re

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Environment(models.TextChoices):
    PRODUCTION = "production", _("Production")
    STAGING = "staging", _("Staging")
    DEVELOPMENT = "development", _("Development")


class DataClassification(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")
    STRICTLY_CONFIDENTIAL = "strictly_confidential", _("Strictly confidential")


class ExpiryAction(models.TextChoices):
    REVOKE = "revoke", _("Revoke at once")
    TASK = "task", _("Open a revocation task for the owner")


class GrantSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    REQUEST = "request", _("Access request")
    IMPORT = "import", _("Import")
    PORTAL = "portal", _("Portal role")
    BIRTHRIGHT = "birthright", _("Birthright of the team")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ImportStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")


class ImportJobState(models.TextChoices):
    """An uploaded file's way: checked in the background, then (confirmed by its uploader) applied."""

    CHECKING = "checking", _("Being checked")
    CHECKED = "checked", _("Checked: waiting for confirmation")
    CHECK_FAILED = "check_failed", _("Problems found: nothing can be imported")
    APPLYING = "applying", _("Being imported")
    APPLIED = "applied", _("Imported")
    FAILED = "failed", _("Not imported")


class ImportJobPhase(models.TextChoices):
    """What the background work on an uploaded file is doing right now (the check, and the apply's re-check
    and writes)."""

    READING = "reading", _("Reading the file")
    LOOKING_UP = "looking_up", _("Looking up people, systems and grants")
    COMPARING = "comparing", _("Comparing with the register")
    WRITING = "writing", _("Writing the new grants")
    UPDATING = "updating", _("Updating last-seen dates, flags and findings")
    AUDITING = "auditing", _("Writing the audit trail")


class FindingKind(models.TextChoices):
    TOO_MANY_PRIVILEGED = "too_many_privileged", _("More privileged holders than allowed")
    REVOKED_STILL_PRESENT = "revoked_still_present", _("Revoked but still present")
    ABSENT_FROM_IMPORT = "absent_from_import", _("Absent from the latest full import")
    LEAVER_ACCESS_OPEN = "leaver_access_open", _("Leaver access still open")
    VULNERABILITY_OVERDUE = "vulnerability_overdue", _("Vulnerability past its remediation deadline")


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


class ReviewerRule(models.TextChoices):
    MANAGER = "manager", _("The holder's manager")
    SYSTEM_OWNER = "owner", _("The system owner")
    NAMED = "named", _("A named person")


class DefaultDecision(models.TextChoices):
    KEEP = "keep", _("Keep")
    REVOKE = "revoke", pgettext_lazy("access", "Revoke")
    FLAG = "flag", _("Leave flagged as no response")


class CampaignKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    AD_HOC = "ad_hoc", _("Ad hoc")
    MOVER = "mover", _("Mover review")


class CampaignStatus(models.TextChoices):
    LAUNCHING = "launching", _("Launching")
    OPEN = "open", _("Open")
    CONFIRM = "confirm", _("Awaiting confirmation to close")
    CLOSED = "closed", _("Closed")


class Decision(models.TextChoices):
    PENDING = "pending", _("Pending")
    KEEP = "keep", _("Keep")
    REVOKE = "revoke", pgettext_lazy("access", "Revoke")
    DOWNGRADE = "downgrade", _("Downgrade")
    EXCEPTION = "exception", _("Keep until a date")
    NO_RESPONSE = "no_response", _("No response")


class Recommendation(models.TextChoices):
    INACTIVE = "inactive", _("Holder inactive")
    DEACTIVATED = "deactivated", _("Holder deactivated")
    EXPIRED = "expired", _("Grant expired")
    NEVER_REVIEWED = "never_reviewed", _("Never reviewed")
    IN_USE = "in_use", _("In use")


# What accepting a recommendation decides (the queue's "Accept recommendations"). "Never reviewed" asks the
# reviewer to look closely, so it decides nothing: such items, like those without a recommendation, stay
# for a person to decide one by one.
RECOMMENDED_DECISION: dict[str, str] = {
    Recommendation.DEACTIVATED: Decision.REVOKE,
    Recommendation.EXPIRED: Decision.REVOKE,
    Recommendation.INACTIVE: Decision.REVOKE,
    Recommendation.IN_USE: Decision.KEEP,
}


# The reasons ``access.services.routing.recommend`` (and a leaver's review) store with an item, in English as
# the evidence keeps them; ``read_recommendation_reason`` gives a stored one in the reader's language. The
# values inside (a date, a number of days) are kept as stored.
RECOMMENDATION_REASONS: list[tuple[re.Pattern[str], Promise]] = [
    (
        re.compile(r"The holder's account is deactivated: revoke\."),
        _("The holder's account is deactivated: revoke."),
    ),
    (re.compile(r"The grant expired on (?P<date>.+): revoke\."), _("The grant expired on %(date)s: revoke.")),
    (
        re.compile(r"The holder has never signed in: consider revoking\."),
        _("The holder has never signed in: consider revoking."),
    ),
    (
        re.compile(r"The holder has not signed in for (?P<days>\d+) days: consider revoking\."),
        _("The holder has not signed in for %(days)s days: consider revoking."),
    ),
    (
        re.compile(r"This grant has never been reviewed: check it carefully\."),
        _("This grant has never been reviewed: check it carefully."),
    ),
    (
        re.compile(
            r"The holder signed in within (?P<days>\d+) days"
            r" and the grant was reviewed on (?P<date>.+): keep\."
        ),
        _("The holder signed in within %(days)s days and the grant was reviewed on %(date)s: keep."),
    ),
    (re.compile(r"Deactivated on (?P<date>.+)\."), _("Deactivated on %(date)s.")),
]


def read_recommendation_reason(stored: str) -> str:
    """A stored recommendation reason in the active language; one not known here as it was stored."""
    for pattern, text in RECOMMENDATION_REASONS:
        match = pattern.fullmatch(stored)
        if match:
            return str(text) % match.groupdict() if match.groupdict() else str(text)
    return stored


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
