"""Vulnerability reports from outside: the incidents app's side of the public disclosure form, which lives in
the vulnerabilities app and reaches this one only through portal events (``dpms.portal.announce``), inside
its own transaction:

* ``vulnerability.disclosed`` (``on_vulnerability_disclosed``): an incident of category "vulnerability
  report" is filed for triage through the ordinary reporting service (the next INC reference, the security
  officers told, the escalation of untriaged incidents, the files checked by the incident attachment rules);
  returns it.
* ``vulnerability.disclosure_updated`` (``on_disclosure_updated``): what the reporter adds later through
  their private link goes on the incident's timeline as information, with its files, and its handler (or
  the officers) are told.

The reporter has no account: both are written as the stand-in for outsiders (guardian's anonymous user,
``incidents.queries.visibility.is_outside_reporter``), naming the reporter's contact in the text. A refused
file raises ``ValidationError`` keyed ``attachments``, and the announcing transaction writes nothing.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from guardian.utils import get_anonymous_user

from incidents.choices import Category, EventKind, PersonalData
from incidents.models import Incident
from incidents.queries.visibility import security_officers_for
from incidents.services import attachments, timeline
from incidents.services.reporting import MAX_UPLOADS, TITLE_MAX, incident_report

TITLE_PREFIX = "Vulnerability report: "


def _outsider():
    return get_anonymous_user()


def on_vulnerability_disclosed(
    *,
    title: str,
    description: str,
    reporter_contact: str,
    reference: str = "",
    uploads=(),
    now: datetime.datetime | None = None,
    **_more,
) -> Incident:
    """File the incident of a disclosure (``reference``: the vulnerability's) and return it."""
    now = now or timezone.now()
    full_title = TITLE_PREFIX + " ".join((title or "").split())
    if len(full_title) > TITLE_MAX:
        full_title = full_title[: TITLE_MAX - 1] + "…"
    text = description.strip()
    if reference:
        text = f"Recorded in the vulnerability register as {reference}.\n\n{text}"
    return incident_report(
        actor=_outsider(),
        title=full_title,
        description=text,
        category=Category.VULNERABILITY,
        noticed_at=now,
        personal_data=PersonalData.UNKNOWN,
        uploads=uploads,
        now=now,
        outside_reporter=f"an outside reporter ({reporter_contact})",
    )


def on_disclosure_updated(
    *, incident: Incident | None, text: str, uploads=(), now: datetime.datetime | None = None, **_more
):
    """Put what the reporter added on the incident's timeline (visible to all who see the incident), attach
    its files and tell the handler, else the security officers. Returns the timeline line (None when the
    disclosure has no incident)."""
    if incident is None:
        return None
    uploads = list(uploads or ())
    if len(uploads) > MAX_UPLOADS:
        raise ValidationError({"attachments": f"Attach at most {MAX_UPLOADS} files at a time."})
    problems = []
    for upload in uploads:
        try:
            attachments.validate_upload(upload)
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise ValidationError({"attachments": problems})
    now = now or timezone.now()
    outsider = _outsider()
    incident = Incident.objects.select_for_update(of=("self",)).select_related("handler").get(pk=incident.pk)
    event = timeline.log(
        incident=incident,
        kind=EventKind.INFO,
        actor=outsider,
        internal=False,
        text=text.strip(),
        data={"files": [upload.name for upload in uploads]} if uploads else {},
        audit_action="incident.comment",
        changes={"kind": EventKind.INFO, "internal": False, "files": len(uploads), "outside": True},
        at=now,
    )
    for upload in uploads:
        attachments.attachment_add(actor=outsider, incident=incident, upload=upload, event=event)
    Incident.objects.filter(pk=incident.pk).update(updated_at=now)
    recipients = [incident.handler] if incident.handler_id else list(security_officers_for(incident))
    timeline.tell(
        incident=incident,
        recipients=recipients,
        subject=f"New information on {incident.reference}",
        body=f"The outside reporter added to {incident.reference} {incident.title}:\n\n{text.strip()}",
        dedup_key=f"incident-info:{incident.pk}:{event.pk}",
    )
    return event
