"""Reads of attachments: which files of an incident a person may open, and the download rule."""

from django.http import Http404
from django.utils.translation import gettext

from incidents.models import Incident, IncidentAttachment
from incidents.queries.visibility import can_see, sees_internal


def attachments_visible_to(user, incident: Incident):
    """The files of ``incident`` that ``user`` may open: all of them for responders, auditors and people it
    is shared with; the non-internal ones for its reporter; none for anyone else."""
    files = IncidentAttachment.objects.filter(incident=incident).select_related("uploaded_by")
    if not user.is_authenticated:
        return files.none()
    if sees_internal(user, incident):
        return files
    if user.is_active and incident.reported_by_id == user.pk:
        return files.filter(internal=False)
    return files.none()


def may_download(user, attachment: IncidentAttachment) -> bool:
    """The download rule: ``user`` sees the incident, and the file is not internal unless they see internal
    lines (so a plain reporter never gets an internal file)."""
    incident = attachment.incident
    if not user.is_authenticated or not can_see(user, incident):
        return False
    return not attachment.internal or sees_internal(user, incident)


def get_attachment_for_download(user, pk) -> IncidentAttachment:
    """The file ``pk`` if ``user`` may download it; 404 otherwise, so nobody learns that it exists."""
    attachment = IncidentAttachment.objects.select_related("incident").filter(pk=pk).first()
    if attachment is None or not may_download(user, attachment):
        raise Http404(gettext("No such file."))
    return attachment
