"""Files on incidents: checked by their content (``dpms.uploads``, under ``INCIDENT_ATTACHMENT_MAX_BYTES``),
stored outside the web root under a random name, and served only to the people who may see them
(``incidents.views.reporting.attachment_download``).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from dpms import audit, uploads
from dpms.uploads import ALLOWED_TYPES_TEXT as ALLOWED_TYPES_TEXT  # the report form names them
from dpms.uploads import EXTENSIONS as EXTENSIONS
from dpms.uploads import Inspected
from incidents.choices import EventKind
from incidents.models import Incident, IncidentAttachment, IncidentEvent
from incidents.queries.visibility import is_outside_reporter, is_responder
from incidents.services import timeline


def inspect_upload(upload) -> Inspected:
    """Check one uploaded file against the incidents' size limit and return what it is (``dpms.uploads``);
    ``ValidationError`` naming the file and what is allowed otherwise."""
    return uploads.inspect_upload(upload, max_bytes=settings.INCIDENT_ATTACHMENT_MAX_BYTES)


def validate_upload(upload) -> str:
    """Check one uploaded file; returns its detected content type or raises ``ValidationError``."""
    return inspect_upload(upload).content_type


@transaction.atomic
def attachment_add(
    *, actor, incident: Incident, upload, internal: bool = False, event: IncidentEvent | None = None
) -> IncidentAttachment:
    """Store ``upload`` on ``incident`` (checked first) and put it on the timeline.

    Without ``event`` a timeline line "Attached …" (kind ATTACHMENT, ``internal`` as given) carries the
    file; with ``event`` (the report, a comment) the file hangs on that line instead, and an attachment of
    an internal line is internal. The reporter adds files visible to everyone who sees the incident;
    responders may also add internal ones. Either way the audit trail gets "incident.attachment_added".
    """
    if event is not None:
        if event.incident_id != incident.pk:
            raise ValidationError(gettext("That timeline line belongs to another incident."))
        internal = internal or event.internal
    responder = is_responder(actor, incident)
    reporter = actor.is_active or is_outside_reporter(actor)  # an outsider adds to their report by its link
    if not (responder or (reporter and incident.reported_by_id == actor.pk)):
        raise PermissionDenied(gettext("Only the reporter, the handler and the security officers add files."))
    if internal and not responder:
        raise PermissionDenied(gettext("Only the handler and the security officers add internal files."))
    found = inspect_upload(upload)
    now = timezone.now()
    attachment = IncidentAttachment(
        incident=incident,
        event=event,
        original_name=found.name,
        content_type=found.content_type,
        size=found.size,
        sha256=found.sha256,
        internal=internal,
        uploaded_by=actor,
        uploaded_at=now,
    )
    # upload_to ignores the name given here: the stored name is random (YYYY/MM/<uuid>).
    attachment.file.save(found.name, upload, save=False)
    try:
        data = {
            "name": found.name,
            "content_type": found.content_type,
            "size": found.size,
            "sha256": found.sha256,
            "internal": internal,
        }
        if event is None:
            event = timeline.log(
                incident=incident,
                kind=EventKind.ATTACHMENT,
                actor=actor,
                internal=internal,
                text=f"Attached {found.name} ({_size_text(found.size)}).",
                data=data,
                at=now,
            )
            attachment.event = event
        attachment.save()
        audit.record(
            action="incident.attachment_added",
            actor=actor,
            obj=incident,
            changes={**data, "attachment": attachment.pk, "event": event.pk},
        )
        Incident.objects.filter(pk=incident.pk).update(updated_at=now)
    except Exception:
        attachment.file.delete(save=False)  # no row points to it: do not keep the file
        raise
    return attachment


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
