"""Choices of the policies app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Audience(models.TextChoices):
    """Who must acknowledge a policy."""

    EVERYONE = "everyone", _("Everyone")
    TEAMS = "teams", _("Members of chosen teams")
    ROLES = "roles", _("Holders of chosen portal roles")


class CampaignKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Yearly")
    ADHOC = "adhoc", _("Ad hoc")
    JOINER = "joiner", _("Joiners")


class CampaignStatus(models.TextChoices):
    LAUNCHING = "launching", _("Launching")
    OPEN = "open", _("Open")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")


class AssignmentStatus(models.TextChoices):
    """A person's part of a campaign: done once they acknowledged the version and answered the questions."""

    PENDING = "pending", _("To do")
    DONE = "done", pgettext_lazy("policy", "Acknowledged")  # "Acknowledged" alone is an incident's
    NO_RESPONSE = "no_response", _("No response")  # still pending when the campaign closed
    EXCUSED = "excused", _("Excused")  # left the company, or the audience changed, before doing it


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes or no (a reason is required for no)")
    TEXT = "text", _("Free text")
    FILE = "file", _("File")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", pgettext_lazy("policy", "Resolved")  # "Resolved" alone is an incident's
