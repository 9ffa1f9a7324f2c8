"""Choice lists of the directory app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MappedRole(models.TextChoices):
    """The portal roles a directory group may give its members (``dpms.models.PortalRole`` values). The admin
    role is given only after a second admin approves each person (``AdminApproval``)."""

    SECURITY_OFFICER = "security officer", _("Security officer")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Admin (each person approved by a second admin)")


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("Waiting for a second admin")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn (no longer in the group)")
