"""Choice lists of the directory app."""

from django.db import models


class MappedRole(models.TextChoices):
    """The portal roles a directory group may give its members (``dpms.models.PortalRole`` values). The admin
    role is given only after a second admin approves each person (``AdminApproval``)."""

    SECURITY_OFFICER = "security officer", "Security officer"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Admin (each person approved by a second admin)"


class ApprovalState(models.TextChoices):
    PENDING = "pending", "Waiting for a second admin"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn (no longer in the group)"
