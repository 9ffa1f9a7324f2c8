"""What the incident services share: locking an incident, checking the actor's rights on the locked row,
telling the handler and the reporter, and checking people and choices.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from dpms.formats import show_datetime
from incidents.choices import Category, Severity, Status
from incidents.models import Incident
from incidents.queries.visibility import (
    SHARE_PERMISSION,
    can_triage,
    is_responder,
)
from incidents.services import timeline

PERMISSION = f"incidents.{SHARE_PERMISSION}"
CLOCK_RUNNING = gettext_lazy(
    "Record the supervisory authority decision first: notified, or not required and why (Art. 33(5) GDPR)."
)


# --- Helpers ---------------------------------------------------------------------------------------------


def _lock(incident: Incident) -> Incident:
    # Lock the row: two officers acting at once (triage and dismiss, two acknowledgements, a transition and
    # a close) are serialised, and each sees the state the other left, so no change is lost or doubled.
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _require_responder(actor, incident: Incident) -> None:
    if not is_responder(actor, incident):
        raise PermissionDenied(gettext("Only the handler and the security officers change this incident."))


def _require_triage(actor, incident: Incident) -> None:
    if not can_triage(actor, incident):
        raise PermissionDenied(gettext("Only security officers handling this incident do that."))


def status_word(status: str) -> str:
    """A status inside a sentence: "investigating" in English; German keeps its capitals."""
    label = str(Status(status).label)
    return label.lower() if (translation.get_language() or "en").startswith("en") else label


def _require_open(incident: Incident, doing) -> None:
    if not incident.is_open:
        raise ValidationError(
            gettext("%(reference)s is %(status)s: reopen it before %(doing)s.")
            % {"reference": incident.reference, "status": status_word(incident.status), "doing": doing}
        )


def require_authority_decision(incident: Incident) -> None:
    """A breach's 72-hour clock runs until the authority decision is recorded: closing or dismissing the
    incident then would leave it running unseen (the reminders and the dashboard skip dismissed ones)."""
    if incident.is_breach and not incident.authority_decision:
        raise ValidationError(CLOCK_RUNNING)


def _name(user) -> str:
    return str(user) if user else "nobody"


def _local(moment: datetime.datetime) -> str:
    """An instant in the reader's zone, in the pages' format with the zone ("2 Dec 2026, 14:05 CET")."""
    return f"{show_datetime(moment)} {timezone.localtime(moment):%Z}"


def _touch(incident: Incident, now, *fields: str) -> None:
    incident.updated_at = now
    incident.save(update_fields=[*fields, "updated_at"])


def _severity_label(value) -> str:
    return Severity(value).label if value else "none"


def _tell_handler(incident: Incident, actor, key: str) -> None:
    """Tell the handler they handle ``incident`` now, unless they made themselves the handler."""
    handler = incident.handler
    if handler is None or handler.pk == getattr(actor, "pk", None):
        return
    timeline.tell(
        incident=incident,
        recipients=[handler],
        subject=format_lazy(gettext_lazy("{reference} is yours to handle"), reference=incident.reference),
        body=format_lazy(
            gettext_lazy("{person} made you the handler of {reference} {title}."),
            person=_name(actor),
            reference=incident.reference,
            title=incident.title,
        ),
        dedup_key=f"incident-handler:{incident.pk}:{key}",
        actor=actor,
        owed=True,
    )


def _tell_reporter(
    incident: Incident, actor, *, subject: "str | Promise", body: "str | Promise", key: str
) -> None:
    """Reporters follow their incident: status changes and visible comments are sent to them."""
    reporter = incident.reported_by
    if reporter.pk == getattr(actor, "pk", None):
        return
    timeline.tell(
        incident=incident,
        recipients=[reporter],
        subject=subject,
        body=body,
        dedup_key=f"incident-reporter:{incident.pk}:{key}",
        actor=actor,
        internal=False,
    )


def _active_person(user, field: str, what: str) -> None:
    if user is None or not user.is_active:
        wording = {
            "handler": gettext("Choose an active person as the handler."),
            "owner": gettext("Choose an active person as the owner."),
            "person to share with": gettext("Choose an active person to share with."),
        }.get(what, gettext("Choose an active person."))
        raise ValidationError({field: wording})


def _handler_person(user) -> None:
    """The handler responds to the incident: an active person who is not only an auditor (auditors read
    incidents and change nothing). Other staff (the IT people who fix things) may handle one."""
    _active_person(user, "handler", "handler")
    if user.is_auditor and not user.is_security_officer:
        raise ValidationError({"handler": gettext("An auditor reads incidents and cannot handle one.")})


def _severity(value) -> int:
    try:
        return Severity(int(value))
    except (TypeError, ValueError):
        raise ValidationError({"severity": gettext("Choose a severity from SEV1 to SEV4.")}) from None


def _category(value) -> str:
    if value not in Category.values:
        raise ValidationError({"category": gettext("Choose a category from the list.")})
    return value


def webhook_data(incident: Incident) -> dict:
    """What a webhook is told of an incident: enough to find it and judge it, no description or names."""
    from django.urls import reverse

    from dpms.webhooks import absolute_url

    return {
        "incident": incident.pk,
        "reference": incident.reference,
        "title": incident.title,
        "category": incident.category,
        "severity": int(incident.severity) if incident.severity is not None else None,
        "status": incident.status,
        "is_breach": incident.is_breach,
        "url": absolute_url(reverse("incidents:detail", args=[incident.pk])),
    }
