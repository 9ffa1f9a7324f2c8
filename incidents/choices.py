"""Choices of the incidents app."""

from django.db import models


class Category(models.TextChoices):
    PHISHING = "phishing", "Phishing"
    LOST_DEVICE = "lost_device", "Lost or stolen device"
    MALWARE = "malware", "Malware"
    UNAUTHORISED_ACCESS = "unauthorised_access", "Unauthorised access"
    DATA_EXPOSURE = "data_exposure", "Personal data exposed"
    AVAILABILITY = "availability", "Availability"
    VULNERABILITY = "vulnerability", "Vulnerability report"
    OTHER = "other", "Other"


class Severity(models.IntegerChoices):
    SEV1 = 1, "SEV1"
    SEV2 = 2, "SEV2"
    SEV3 = 3, "SEV3"
    SEV4 = 4, "SEV4"


# Shown on the triage form and the incident page.
SEVERITY_DEFINITIONS = {
    Severity.SEV1: (
        "Critical: any exposure of personal or customer data, a compromise of a production system, or an "
        "outage of a business-critical service. All hands; the regulatory clocks may run."
    ),
    Severity.SEV2: (
        "Major: a confirmed compromise of one account or device, malware that ran, or a significant "
        "degradation of a business service, with no data known to be exposed."
    ),
    Severity.SEV3: (
        "Minor: a contained event with limited impact, such as a phishing email that was clicked but no "
        "credentials entered, or a lost device that is encrypted and wiped."
    ),
    Severity.SEV4: (
        "Low: a suspicious event with no impact, a blocked attempt, or a vulnerability report to assess."
    ),
}


class Status(models.TextChoices):
    REPORTED = "reported", "Reported"
    TRIAGED = "triaged", "Triaged"
    INVESTIGATING = "investigating", "Investigating"
    CONTAINED = "contained", "Contained"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    DISMISSED = "dismissed", "Dismissed"


# The forward path; every step back along it needs a reason. Dismissal is possible from reported or triaged.
STATUS_ORDER = (
    Status.REPORTED,
    Status.TRIAGED,
    Status.INVESTIGATING,
    Status.CONTAINED,
    Status.RESOLVED,
    Status.CLOSED,
)
OPEN_STATUSES = (Status.REPORTED, Status.TRIAGED, Status.INVESTIGATING, Status.CONTAINED, Status.RESOLVED)
# Not yet contained: the containment targets of the escalation policies apply.
UNCONTAINED_STATUSES = (Status.REPORTED, Status.TRIAGED, Status.INVESTIGATING)


class PersonalData(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Don't know"


class EventKind(models.TextChoices):
    REPORTED = "reported", "Reported"
    INFO = "info", "Information added"
    COMMENT = "comment", "Comment"
    ATTACHMENT = "attachment", "Attachment"
    TRIAGED = "triaged", "Triaged"
    STATUS = "status", "Status changed"
    SEVERITY = "severity", "Severity changed"
    HANDLER = "handler", "Handler changed"
    CATEGORY = "category", "Category changed"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ESCALATION = "escalation", "Escalation"
    NOTIFICATION = "notification", "Notification sent"
    CLOCK = "clock", "Regulatory clock"
    LINK = "link", "Links changed"
    SHARE = "share", "Sharing changed"
    CONFIDENTIAL = "confidential", "Confidentiality changed"
    REVIEW = "review", "Post-incident review"
    ACTION = "action", "Follow-up action"
    UPDATE = "update", "Details changed"


class EscalationTarget(models.TextChoices):
    HANDLER = "handler", "The handler"
    SECURITY_OFFICERS = "security_officers", "The security officers"
    PERSON = "person", "A named person"
    ADMINS = "admins", "The admins"


class EscalationTrigger(models.TextChoices):
    UNACKNOWLEDGED = "unacknowledged", "Not acknowledged"
    UNCONTAINED = "uncontained", "Not contained"


class AuthorityDecision(models.TextChoices):
    NOTIFIED = "notified", "Supervisory authority notified"
    NOT_REQUIRED = "not_required", "Notification not required"


class SubjectsDecision(models.TextChoices):
    """GDPR Art. 34: tell the data subjects when the risk to them is high, unless an exemption of 34(3)."""

    REQUIRED = "required", "Required: data subjects are to be told"
    NOT_HIGH_RISK = "not_high_risk", "Not required: no high risk to the data subjects (Art. 34(1))"
    EXEMPT_PROTECTED = "exempt_protected", "Not required: data unintelligible, e.g. encrypted (Art. 34(3)(a))"
    EXEMPT_MEASURES = "exempt_measures", "Not required: later measures remove the high risk (Art. 34(3)(b))"
    EXEMPT_EFFORT = "exempt_effort", "Not required: disproportionate effort, public notice (Art. 34(3)(c))"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
