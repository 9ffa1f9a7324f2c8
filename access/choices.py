"""Choices of the access app."""

from django.db import models


class Environment(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"
    DEVELOPMENT = "development", "Development"


class DataClassification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    STRICTLY_CONFIDENTIAL = "strictly_confidential", "Strictly confidential"


class ExpiryAction(models.TextChoices):
    REVOKE = "revoke", "Revoke at once"
    TASK = "task", "Open a revocation task for the owner"


class GrantSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    REQUEST = "request", "Access request"
    IMPORT = "import", "Import"
    PORTAL = "portal", "Portal role"
    BIRTHRIGHT = "birthright", "Birthright of the team"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ImportStatus(models.TextChoices):
    APPLIED = "applied", "Applied"


class ImportJobState(models.TextChoices):
    """An uploaded file's way: checked in the background, then (confirmed by its uploader) applied."""

    CHECKING = "checking", "Being checked"
    CHECKED = "checked", "Checked: waiting for confirmation"
    CHECK_FAILED = "check_failed", "Problems found: nothing can be imported"
    APPLYING = "applying", "Being imported"
    APPLIED = "applied", "Imported"
    FAILED = "failed", "Not imported"


class ImportJobPhase(models.TextChoices):
    """What the background work on an uploaded file is doing right now (the check, and the apply's re-check
    and writes)."""

    READING = "reading", "Reading the file"
    LOOKING_UP = "looking_up", "Looking up people, systems and grants"
    COMPARING = "comparing", "Comparing with the register"
    WRITING = "writing", "Writing the new grants"
    UPDATING = "updating", "Updating last-seen dates, flags and findings"
    AUDITING = "auditing", "Writing the audit trail"


class FindingKind(models.TextChoices):
    TOO_MANY_PRIVILEGED = "too_many_privileged", "More privileged holders than allowed"
    REVOKED_STILL_PRESENT = "revoked_still_present", "Revoked but still present"
    ABSENT_FROM_IMPORT = "absent_from_import", "Absent from the latest full import"
    LEAVER_ACCESS_OPEN = "leaver_access_open", "Leaver access still open"
    VULNERABILITY_OVERDUE = "vulnerability_overdue", "Vulnerability past its remediation deadline"


class Cadence(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    HALF_YEARLY = "half_yearly", "Half-yearly"
    YEARLY = "yearly", "Yearly"


class ReviewerRule(models.TextChoices):
    MANAGER = "manager", "The holder's manager"
    SYSTEM_OWNER = "owner", "The system owner"
    NAMED = "named", "A named person"


class DefaultDecision(models.TextChoices):
    KEEP = "keep", "Keep"
    REVOKE = "revoke", "Revoke"
    FLAG = "flag", "Leave flagged as no response"


class CampaignKind(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    AD_HOC = "ad_hoc", "Ad hoc"
    MOVER = "mover", "Mover review"


class CampaignStatus(models.TextChoices):
    LAUNCHING = "launching", "Launching"
    OPEN = "open", "Open"
    CONFIRM = "confirm", "Awaiting confirmation to close"
    CLOSED = "closed", "Closed"


class Decision(models.TextChoices):
    PENDING = "pending", "Pending"
    KEEP = "keep", "Keep"
    REVOKE = "revoke", "Revoke"
    DOWNGRADE = "downgrade", "Downgrade"
    EXCEPTION = "exception", "Keep until a date"
    NO_RESPONSE = "no_response", "No response"


class Recommendation(models.TextChoices):
    INACTIVE = "inactive", "Holder inactive"
    DEACTIVATED = "deactivated", "Holder deactivated"
    EXPIRED = "expired", "Grant expired"
    NEVER_REVIEWED = "never_reviewed", "Never reviewed"
    IN_USE = "in_use", "In use"


# What accepting a recommendation decides (the queue's "Accept recommendations"). "Never reviewed" asks the
# reviewer to look closely, so it decides nothing: such items, like those without a recommendation, stay
# for a person to decide one by one.
RECOMMENDED_DECISION: dict[str, str] = {
    Recommendation.DEACTIVATED: Decision.REVOKE,
    Recommendation.EXPIRED: Decision.REVOKE,
    Recommendation.INACTIVE: Decision.REVOKE,
    Recommendation.IN_USE: Decision.KEEP,
}


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
