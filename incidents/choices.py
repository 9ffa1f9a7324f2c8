"""Choices of the incidents app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    PHISHING = "phishing", _("Phishing")
    LOST_DEVICE = "lost_device", _("Lost or stolen device")
    MALWARE = "malware", _("Malware")
    UNAUTHORISED_ACCESS = "unauthorised_access", _("Unauthorised access")
    DATA_EXPOSURE = "data_exposure", _("Personal data exposed")
    AVAILABILITY = "availability", _("Availability")
    VULNERABILITY = "vulnerability", _("Vulnerability report")
    OTHER = "other", _("Other")


class Severity(models.IntegerChoices):
    SEV1 = 1, "SEV1"
    SEV2 = 2, "SEV2"
    SEV3 = 3, "SEV3"
    SEV4 = 4, "SEV4"


# Shown on the triage form and the incident page.
SEVERITY_DEFINITIONS = {
    Severity.SEV1: _(
        "Critical: any exposure of personal or customer data, a compromise of a production system, or an "
        "outage of a business-critical service. All hands; the regulatory clocks may run."
    ),
    Severity.SEV2: _(
        "Major: a confirmed compromise of one account or device, malware that ran, or a significant "
        "degradation of a business service, with no data known to be exposed."
    ),
    Severity.SEV3: _(
        "Minor: a contained event with limited impact, such as a phishing email that was clicked but no "
        "credentials entered, or a lost device that is encrypted and wiped."
    ),
    Severity.SEV4: _(
        "Low: a suspicious event with no impact, a blocked attempt, or a vulnerability report to assess."
    ),
}


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    TRIAGED = "triaged", _("Triaged")
    INVESTIGATING = "investigating", _("Investigating")
    CONTAINED = "contained", _("Contained")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    DISMISSED = "dismissed", _("Dismissed")


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
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Don't know")


class EventKind(models.TextChoices):
    REPORTED = "reported", _("Reported")
    INFO = "info", _("Information added")
    COMMENT = "comment", _("Comment")
    ATTACHMENT = "attachment", _("Attachment")
    TRIAGED = "triaged", _("Triaged")
    STATUS = "status", _("Status changed")
    SEVERITY = "severity", _("Severity changed")
    HANDLER = "handler", _("Handler changed")
    CATEGORY = "category", _("Category changed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ESCALATION = "escalation", _("Escalation")
    NOTIFICATION = "notification", _("Notification sent")
    CLOCK = "clock", _("Regulatory clock")
    LINK = "link", _("Links changed")
    SHARE = "share", _("Sharing changed")
    CONFIDENTIAL = "confidential", _("Confidentiality changed")
    REVIEW = "review", _("Post-incident review")
    ACTION = "action", _("Follow-up action")
    UPDATE = "update", _("Details changed")


class EscalationTarget(models.TextChoices):
    HANDLER = "handler", _("The handler")
    SECURITY_OFFICERS = "security_officers", _("The security officers")
    PERSON = "person", _("A named person")
    ADMINS = "admins", _("The admins")


class EscalationTrigger(models.TextChoices):
    UNACKNOWLEDGED = "unacknowledged", _("Not acknowledged")
    UNCONTAINED = "uncontained", _("Not contained")


class AuthorityDecision(models.TextChoices):
    NOTIFIED = "notified", _("Supervisory authority notified")
    NOT_REQUIRED = "not_required", _("Notification not required")


class SubjectsDecision(models.TextChoices):
    """GDPR Art. 34: tell the data subjects when the risk to them is high, unless an exemption of 34(3)."""

    REQUIRED = "required", _("Required: data subjects are to be told")
    NOT_HIGH_RISK = "not_high_risk", _("Not required: no high risk to the data subjects (Art. 34(1))")
    EXEMPT_PROTECTED = (
        "exempt_protected",
        _("Not required: data unintelligible, e.g. encrypted (Art. 34(3)(a))"),
    )
    EXEMPT_MEASURES = (
        "exempt_measures",
        _("Not required: later measures remove the high risk (Art. 34(3)(b))"),
    )
    EXEMPT_EFFORT = (
        "exempt_effort",
        _("Not required: disproportionate effort, public notice (Art. 34(3)(c))"),
    )


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
