"""Comments and information on an incident: responders write internal comments or ones
the reporter sees; the reporter adds information; people it is shared with add internal notes.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext

from incidents.choices import EventKind
from incidents.models import Incident
from incidents.queries.visibility import (
    can_see,
    is_responder,
    security_officers_for,
)
from incidents.services import attachments, timeline
from incidents.services.common import _lock, _name, _tell_reporter
from incidents.services.reporting import MAX_UPLOADS

# --- Comments and information ---------------------------------------------------------------------------


@transaction.atomic
def incident_comment(*, actor, incident: Incident, text: str, internal: bool, uploads=()):
    """Add a comment (responders: internal, or visible to the reporter) or information (the reporter and
    anyone else who may see the incident but not respond: always visible to the reporter), with files.

    Every upload is checked before anything is written. Returns the timeline line."""
    text = (text or "").strip()
    uploads = list(uploads or ())
    if len(uploads) > MAX_UPLOADS:
        raise ValidationError(
            {
                "files": ngettext(
                    "Attach at most %(count)s file at a time.",
                    "Attach at most %(count)s files at a time.",
                    MAX_UPLOADS,
                )
                % {"count": MAX_UPLOADS}
            }
        )
    if not text and not uploads:
        raise ValidationError({"text": gettext("Write something, or attach a file.")})
    for upload in uploads:
        try:
            attachments.validate_upload(upload)
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from None
    incident = _lock(incident)
    responder = is_responder(actor, incident)
    is_reporter = incident.reported_by_id == actor.pk
    if not responder:
        if not can_see(actor, incident) or actor.is_auditor:
            raise PermissionDenied(gettext("Auditors read incidents; they do not comment."))
        if internal and is_reporter:
            raise PermissionDenied(
                gettext("Only the handler and the security officers write internal comments.")
            )
        # Someone the incident is shared with sees its internal lines: what they add stays internal, so
        # nothing they quote from those lines reaches the reporter.
        internal = not is_reporter
    if uploads and not (responder or is_reporter):
        raise PermissionDenied(
            gettext("Only the reporter, the handler and the security officers attach files.")
        )
    kind = EventKind.INFO if (is_reporter and not responder) else EventKind.COMMENT
    now = timezone.now()
    event = timeline.log(
        incident=incident,
        kind=kind,
        actor=actor,
        internal=bool(internal),
        text=text,
        data={"files": [upload.name for upload in uploads]} if uploads else {},
        audit_action="incident.comment",
        changes={"kind": kind, "internal": bool(internal), "files": len(uploads)},
        at=now,
    )
    for upload in uploads:
        attachments.attachment_add(
            actor=actor, incident=incident, upload=upload, internal=internal, event=event
        )
    incident.updated_at = now
    incident.save(update_fields=["updated_at"])
    if not responder:
        recipients = [incident.handler] if incident.handler_id else list(security_officers_for(incident))
        timeline.tell(
            incident=incident,
            recipients=[person for person in recipients if person and person.pk != actor.pk],
            subject=format_lazy(gettext_lazy("New information on {reference}"), reference=incident.reference),
            body=format_lazy(
                "{intro}\n\n{text}",
                intro=format_lazy(
                    gettext_lazy("{person} added to {reference} {title}:"),
                    person=_name(actor),
                    reference=incident.reference,
                    title=incident.title,
                ),
                text=text,
            ),
            dedup_key=f"incident-info:{incident.pk}:{event.pk}",
            actor=actor,
        )
    elif not internal:
        _tell_reporter(
            incident,
            actor,
            subject=format_lazy(gettext_lazy("New comment on {reference}"), reference=incident.reference),
            body=format_lazy(
                "{intro}\n\n{text}",
                intro=format_lazy(
                    gettext_lazy("{person} wrote on your report {reference}:"),
                    person=_name(actor),
                    reference=incident.reference,
                ),
                text=text,
            ),
            key=f"comment-{event.pk}",
        )
    return event
