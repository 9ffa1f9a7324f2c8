"""The incident workflow: triage, dismissal, acknowledgement, status changes along
the path, closing, changes of severity, handler and category, and the post-incident review. Comments live
in ``incidents.services.comments``; confidentiality, shares and links in ``incidents.services.sharing``.

Every action locks the incident row (``select_for_update``) and re-checks the actor's rights on the locked
row, writes one timeline line with its audit event (``timeline.log``), and tells people through
``timeline.tell``. The escalation hooks run after the incident is saved, in the same transaction.

The path: reported -> triaged (only by triage) -> investigating -> contained -> resolved -> closed (only by
closing, with a root cause and lessons learned; SEV1 and SEV2 also need a post-incident review). Dismissal
("not an incident") is possible from reported or triaged, with a reason. Moving forward may skip steps;
going back along the path needs a reason (closed -> resolved reopens; dismissed -> reported reopens).
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from dpms import notify, webhooks
from dpms.formats import show_date
from dpms.models import WebhookEvent
from incidents.choices import STATUS_ORDER, Category, EventKind, Severity, Status
from incidents.models import Incident, PostIncidentReview
from incidents.services import breach, escalation, timeline
from incidents.services.common import (
    _category,
    _handler_person,
    _local,
    _lock,
    _name,
    _require_open,
    _require_responder,
    _require_triage,
    _severity,
    _severity_label,
    _tell_handler,
    _tell_reporter,
    _touch,
    require_authority_decision,
    webhook_data,
)
from incidents.services.sharing import _make_confidential

# Severities whose closing needs a post-incident review record first.
REVIEW_REQUIRED = (Severity.SEV1, Severity.SEV2)
# Statuses reached through their own service, never through ``incident_transition``.
OWN_SERVICE: dict[str, Any] = {
    Status.TRIAGED: gettext_lazy("To make it triaged, triage it."),
    Status.CLOSED: gettext_lazy("To make it closed, close it."),
    Status.DISMISSED: gettext_lazy("To make it dismissed, dismiss it."),
}


# --- Triage, dismissal, acknowledgement --------------------------------------------------------------------


def _status_word(status: Status) -> str:
    """A status inside a sentence: "investigating" in English; German keeps its capitals."""
    label = str(status.label)
    return label.lower() if (translation.get_language() or "en").startswith("en") else label


@transaction.atomic
def incident_triage(
    *,
    actor,
    incident: Incident,
    severity,
    handler,
    category: str | None = None,
    is_breach: bool = False,
    confidential: bool = False,
) -> Incident:
    """Triage a reported incident (or re-triage a triaged one): severity, handler, an optional category
    correction, confidentiality, and "personal-data breach" (which starts the 72-hour clock)."""
    severity = _severity(severity)
    _handler_person(handler)
    if category:
        _category(category)
    incident = _lock(incident)
    _require_triage(actor, incident)
    if incident.status not in (Status.REPORTED, Status.TRIAGED):
        raise ValidationError(
            gettext(
                "Only a reported or triaged incident is triaged; %(reference)s is %(status)s. Change its "
                "severity or handler instead."
            )
            % {"reference": incident.reference, "status": _status_word(Status(incident.status))}
        )
    breach.validate_breach_severity(
        severity=severity, category=category or incident.category, is_breach=is_breach or incident.is_breach
    )
    now = timezone.now()
    retriage = incident.status == Status.TRIAGED
    before = {
        "status": incident.status,
        "severity": incident.severity,
        "handler": incident.handler.email if incident.handler else None,
        "category": incident.category,
        "confidential": incident.confidential,
    }
    severity_changed = incident.severity != severity
    handler_changed = incident.handler_id != handler.pk
    old_category = incident.category
    incident.status = Status.TRIAGED
    incident.severity = severity
    incident.handler = handler
    if category:
        incident.category = category
    if not retriage:
        incident.triaged_at, incident.triaged_by = now, actor
    _touch(incident, now, "status", "severity", "handler", "category", "triaged_at", "triaged_by")
    after = {
        "status": incident.status,
        "severity": incident.severity,
        "handler": handler.email,
        "category": incident.category,
        "confidential": incident.confidential,
    }
    event = timeline.log(
        incident=incident,
        kind=EventKind.TRIAGED,
        actor=actor,
        internal=False,
        text=f"{'Triaged again' if retriage else 'Triaged'}: {severity.label}, handled by {_name(handler)}.",
        data={"severity": severity, "handler": timeline.person(handler), "retriage": retriage},
        audit_action="incident.triage",
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )
    if incident.category != old_category:
        timeline.log(
            incident=incident,
            kind=EventKind.CATEGORY,
            actor=actor,
            internal=False,
            text=(
                f"Category corrected from {timeline.recorded(Category(old_category).label)} "
                f"to {timeline.recorded(Category(incident.category).label)}."
            ),
            data={"from": old_category, "to": incident.category},
        )
    if confidential and not incident.confidential:
        _make_confidential(
            actor=actor, incident=incident, confidential=True, reason="Set at triage.", now=now
        )
    if severity_changed:
        escalation.on_severity_set(incident=incident, now=now, actor=actor)
    if not retriage:
        escalation.on_status_changed(incident=incident, now=now, actor=actor)
    if is_breach and not incident.is_breach:
        breach.breach_mark(actor=actor, incident=incident)
    if handler_changed:
        _tell_handler(incident, actor, f"triage-{event.pk}")
    if not retriage:
        _tell_reporter(
            incident,
            actor,
            subject=format_lazy(gettext_lazy("{reference} is being handled"), reference=incident.reference),
            body=format_lazy(
                gettext_lazy("Your report {reference} was triaged; {handler} handles it."),
                reference=incident.reference,
                handler=_name(handler),
            ),
            key=f"triaged-{event.pk}",
        )
    incident.refresh_from_db()
    return incident


def validate_dismissal(*, reason: str) -> None:
    """A dismissal says why this is not an incident (the reporter reads it)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": gettext("Say why this is not an incident.")})


@transaction.atomic
def incident_dismiss(*, actor, incident: Incident, reason: str) -> Incident:
    """Dismiss a reported or triaged incident as not an incident, with a reason the reporter reads."""
    reason = (reason or "").strip()
    validate_dismissal(reason=reason)
    incident = _lock(incident)
    _require_triage(actor, incident)
    if incident.status not in (Status.REPORTED, Status.TRIAGED):
        raise ValidationError(
            gettext("Only a reported or triaged incident is dismissed; %(reference)s is %(status)s.")
            % {"reference": incident.reference, "status": _status_word(Status(incident.status))}
        )
    require_authority_decision(incident)
    now = timezone.now()
    before = incident.status
    incident.status = Status.DISMISSED
    incident.dismissed_at = now
    incident.dismissal_reason = reason
    _touch(incident, now, "status", "dismissed_at", "dismissal_reason")
    notify.withdraw(incident)  # handling it and its escalations are owed no more
    event = timeline.log(
        incident=incident,
        kind=EventKind.STATUS,
        actor=actor,
        internal=False,
        text=f"Dismissed as not an incident: {reason}",
        data={"from": before, "to": Status.DISMISSED, "reason": reason},
        audit_action="incident.dismiss",
        changes={"status": [before, Status.DISMISSED], "dismissal_reason": ["", reason]},
    )
    escalation.on_status_changed(incident=incident, now=now, actor=actor)
    _tell_reporter(
        incident,
        actor,
        subject=format_lazy(gettext_lazy("{reference} was dismissed"), reference=incident.reference),
        body=format_lazy(
            gettext_lazy("Your report {reference} was dismissed as not an incident: {reason}"),
            reference=incident.reference,
            reason=reason,
        ),
        key=f"dismissed-{event.pk}",
    )
    return incident


@transaction.atomic
def incident_acknowledge(*, actor, incident: Incident) -> Incident:
    """The handler or a security officer says "I am on it": recorded once, with the time; escalation for
    want of acknowledgement stops."""
    incident = _lock(incident)
    _require_responder(actor, incident)
    if incident.acknowledged_at:
        by = _name(incident.acknowledged_by)
        raise ValidationError(
            gettext("Already acknowledged by %(person)s at %(time)s.")
            % {"person": by, "time": _local(incident.acknowledged_at)}
        )
    _require_open(incident, gettext_lazy("acknowledging it"))
    now = timezone.now()
    incident.acknowledged_at, incident.acknowledged_by = now, actor
    _touch(incident, now, "acknowledged_at", "acknowledged_by")
    timeline.log(
        incident=incident,
        kind=EventKind.ACKNOWLEDGED,
        actor=actor,
        internal=False,
        text=f"Acknowledged by {_name(actor)}.",
        audit_action="incident.acknowledge",
        changes={"acknowledged_at": [None, now], "acknowledged_by": [None, actor.email]},
    )
    escalation.on_acknowledged(incident=incident, now=now, actor=actor)
    return incident


# --- Status along the path ------------------------------------------------------------------------------


def forward_statuses(status: str) -> list[str]:
    """Where ``incident_transition`` may move an incident forward from ``status`` (no reason needed)."""
    if status not in STATUS_ORDER or status in (Status.REPORTED, Status.CLOSED):
        return []
    later = STATUS_ORDER[STATUS_ORDER.index(status) + 1 :]
    return [step for step in later if step != Status.CLOSED]


def back_statuses(status: str) -> list[str]:
    """Where ``incident_transition`` may move an incident back from ``status`` (a reason is required)."""
    if status == Status.DISMISSED:
        return [Status.REPORTED]
    if status not in STATUS_ORDER:
        return []
    earlier = STATUS_ORDER[1 : STATUS_ORDER.index(status)]  # never back to "reported": that un-triages
    return list(reversed(earlier))


def _allowed_text(status: str) -> str:
    names = ", ".join(_status_word(Status(step)) for step in forward_statuses(status) + back_statuses(status))
    values = {"status": _status_word(Status(status)), "statuses": names}
    if not names:
        if status == Status.REPORTED:
            return gettext("From %(status)s you may triage or dismiss it.") % values
        return gettext("From %(status)s you may do nothing.") % values
    if status == Status.TRIAGED:
        return gettext("From %(status)s it may move to %(statuses)s or dismiss it.") % values
    if status == Status.RESOLVED:
        return gettext("From %(status)s it may move to %(statuses)s or close it.") % values
    return gettext("From %(status)s it may move to %(statuses)s.") % values


@transaction.atomic
def incident_transition(*, actor, incident: Incident, to: str, reason: str = "") -> Incident:
    """Move an incident along the path: forward (skipping steps is fine), or back with a reason. Triage,
    dismissal and closing have their own services."""
    reason = (reason or "").strip()
    if to not in Status.values:
        raise ValidationError({"to": gettext("Choose a status from the list.")})
    incident = _lock(incident)
    _require_responder(actor, incident)
    current = incident.status
    if to == current:
        raise ValidationError(
            gettext("%(reference)s is %(status)s already.")
            % {"reference": incident.reference, "status": _status_word(Status(current))}
        )
    going_back = to in back_statuses(current)
    if not going_back and to not in forward_statuses(current):
        if to in OWN_SERVICE and current in (Status.REPORTED, Status.TRIAGED, Status.RESOLVED):
            hint = f" {OWN_SERVICE[to]}"
        else:
            hint = ""
        raise ValidationError(
            gettext("%(reference)s cannot move from %(status)s to %(to)s.")
            % {
                "reference": incident.reference,
                "status": _status_word(Status(current)),
                "to": _status_word(Status(to)),
            }
            + f" {_allowed_text(current)}{hint}"
        )
    if going_back and not reason:
        raise ValidationError({"reason": gettext("Going back needs a reason.")})
    if current == Status.DISMISSED:
        _require_triage(actor, incident)  # dismissal is the security officers' call, and so is undoing it
    now = timezone.now()
    watched = ("status", "contained_at", "resolved_at", "acknowledged_at", "acknowledged_by_id")
    before = {field: getattr(incident, field) for field in watched}
    incident.status = to
    fields = ["status", "contained_at", "resolved_at", "closed_at", "dismissed_at", "dismissal_reason"]
    if current in (Status.CLOSED, Status.DISMISSED):
        # A reopened incident is new work: someone acknowledges it again, and until then it escalates.
        incident.acknowledged_at, incident.acknowledged_by = None, None
        fields += ["acknowledged_at", "acknowledged_by"]
    acknowledging = not going_back and incident.acknowledged_at is None
    if acknowledging:
        # Moving an incident on is working on it: that acknowledges it, so the time to acknowledge is
        # recorded and the escalation stops, even when nobody pressed "Acknowledge" first.
        incident.acknowledged_at, incident.acknowledged_by = now, actor
        fields += ["acknowledged_at", "acknowledged_by"]
    if to in STATUS_ORDER:
        position = STATUS_ORDER.index(to)
        # The first time an incident gets this far is kept; going back before a step forgets it.
        if position >= STATUS_ORDER.index(Status.CONTAINED):
            incident.contained_at = incident.contained_at or now
        else:
            incident.contained_at = None
        if position >= STATUS_ORDER.index(Status.RESOLVED):
            incident.resolved_at = incident.resolved_at or now
        else:
            incident.resolved_at = None
        incident.closed_at = None
    if current == Status.DISMISSED:
        incident.dismissed_at, incident.dismissal_reason = None, ""
    _touch(incident, now, *fields)
    label = f"{timeline.recorded(Status(current).label)} → {timeline.recorded(Status(to).label)}"
    reopen = current in (Status.CLOSED, Status.DISMISSED)
    text = ("Reopened: " if reopen else "Status: ") + label + (f". Reason: {reason}" if reason else ".")
    after = {field: getattr(incident, field) for field in before}
    event = timeline.log(
        incident=incident,
        kind=EventKind.STATUS,
        actor=actor,
        internal=False,
        text=text,
        data={"from": current, "to": to, "reason": reason, "back": going_back},
        audit_action="incident.reopen" if reopen else "incident.transition",
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]}
        | ({"reason": reason} if reason else {}),
    )
    if acknowledging:
        timeline.log(
            incident=incident,
            kind=EventKind.ACKNOWLEDGED,
            actor=actor,
            text=(
                f"Acknowledged by {_name(actor)} on moving it to "
                f"{timeline.recorded(Status(to).label).lower()}."
            ),
        )
        escalation.on_acknowledged(incident=incident, now=now, actor=actor)
    if reopen:  # a new escalation round from now, nothing missed while it was shut fires
        escalation.on_reopened(incident=incident, now=now, actor=actor)
    else:
        escalation.on_status_changed(incident=incident, now=now, actor=actor)
    _tell_reporter(
        incident,
        actor,
        subject=format_lazy(
            gettext_lazy("{reference} is {status}"),
            reference=incident.reference,
            status=lazy(lambda: _status_word(Status(to)), str)(),
        ),
        body=format_lazy(
            gettext_lazy("Your report {reference} {title}: {text}"),
            reference=incident.reference,
            title=incident.title,
            text=lazy(timeline.read, str)(text),
        ),
        key=f"status-{event.pk}",
    )
    return incident


def validate_closing_texts(*, root_cause: str, lessons_learned: str) -> None:
    """Closing needs the root cause and the lessons learned."""
    errors = {}
    if not (root_cause or "").strip():
        errors["root_cause"] = gettext("Closing needs the root cause.")
    if not (lessons_learned or "").strip():
        errors["lessons_learned"] = gettext("Closing needs the lessons learned.")
    if errors:
        raise ValidationError(errors)


def validate_review_held(incident: Incident) -> None:
    """A SEV1 or SEV2 incident is closed only after its post-incident review is recorded."""
    if (
        incident.severity in REVIEW_REQUIRED
        and not PostIncidentReview.objects.filter(incident=incident).exists()
    ):
        raise ValidationError(
            gettext(
                "A %(severity)s incident needs a post-incident review (date, participants, actions) recorded "
                "before it is closed."
            )
            % {"severity": Severity(incident.severity).label}
        )


@transaction.atomic
def incident_close(*, actor, incident: Incident, root_cause: str, lessons_learned: str) -> Incident:
    """Close a resolved incident with its root cause and lessons learned; SEV1 and SEV2 need their
    post-incident review recorded first."""
    root_cause = (root_cause or "").strip()
    lessons_learned = (lessons_learned or "").strip()
    validate_closing_texts(root_cause=root_cause, lessons_learned=lessons_learned)
    incident = _lock(incident)
    _require_responder(actor, incident)
    if incident.status != Status.RESOLVED:
        raise ValidationError(
            gettext("Only a resolved incident is closed; %(reference)s is %(status)s.")
            % {"reference": incident.reference, "status": _status_word(Status(incident.status))}
        )
    require_authority_decision(incident)
    validate_review_held(incident)
    now = timezone.now()
    before = {
        "status": incident.status,
        "root_cause": incident.root_cause,
        "lessons": incident.lessons_learned,
    }
    incident.status = Status.CLOSED
    incident.closed_at = now
    incident.root_cause, incident.lessons_learned = root_cause, lessons_learned
    _touch(incident, now, "status", "closed_at", "root_cause", "lessons_learned")
    notify.withdraw(incident)  # handling it and its escalations are owed no more
    event = timeline.log(
        incident=incident,
        kind=EventKind.STATUS,
        actor=actor,
        internal=False,
        text=f"Status: Resolved → Closed. Root cause: {root_cause}",
        data={"from": Status.RESOLVED, "to": Status.CLOSED},
        audit_action="incident.close",
        changes={
            "status": [before["status"], Status.CLOSED],
            "root_cause": [before["root_cause"], root_cause],
            "lessons_learned": [before["lessons"], lessons_learned],
        },
    )
    escalation.on_status_changed(incident=incident, now=now, actor=actor)
    _tell_reporter(
        incident,
        actor,
        subject=format_lazy(gettext_lazy("{reference} is closed"), reference=incident.reference),
        body=format_lazy(
            gettext_lazy("Your report {reference} {title} is closed. Root cause: {root_cause}"),
            reference=incident.reference,
            title=incident.title,
            root_cause=root_cause,
        ),
        key=f"closed-{event.pk}",
    )
    return incident


# --- Severity, handler, category after triage -------------------------------------------------------------


def _lock_triaged(actor, incident: Incident, doing) -> Incident:
    incident = _lock(incident)
    _require_triage(actor, incident)
    if incident.status == Status.REPORTED:
        raise ValidationError(gettext("Triage %(reference)s first.") % {"reference": incident.reference})
    _require_open(incident, doing)
    return incident


@transaction.atomic
def incident_set_severity(*, actor, incident: Incident, severity, reason: str = "") -> Incident:
    """Change the severity after triage, until the incident is resolved: the new severity's escalation
    policy starts a new round."""
    severity = _severity(severity)
    incident = _lock_triaged(actor, incident, gettext_lazy("changing its severity"))
    if incident.status == Status.RESOLVED:
        # Lowering a resolved SEV1/SEV2 would close it without its post-incident review.
        raise ValidationError(
            {
                "severity": gettext(
                    "%(reference)s is resolved: its severity no longer changes (a SEV1 or SEV2 keeps its "
                    "post-incident review). Move it back to an earlier status to change it."
                )
                % {"reference": incident.reference}
            }
        )
    if incident.severity == severity:
        raise ValidationError(
            {
                "severity": gettext("%(reference)s is %(severity)s already.")
                % {"reference": incident.reference, "severity": severity.label}
            }
        )
    breach.validate_breach_severity(
        severity=severity, category=incident.category, is_breach=incident.is_breach
    )
    now = timezone.now()
    before = incident.severity
    incident.severity = severity
    _touch(incident, now, "severity")
    reason = (reason or "").strip()
    timeline.log(
        incident=incident,
        kind=EventKind.SEVERITY,
        actor=actor,
        text=f"Severity: {_severity_label(before)} → {severity.label}." + (f" {reason}" if reason else ""),
        data={"from": before, "to": severity, "reason": reason},
        audit_action="incident.severity",
        changes={"severity": [before, int(severity)]},
    )
    escalation.on_severity_set(incident=incident, now=now, actor=actor)
    if before is not None and int(severity) < int(before):  # SEV1 is the most severe
        webhooks.emit(
            WebhookEvent.INCIDENT_SEVERITY_RAISED, {**webhook_data(incident), "severity_before": int(before)}
        )
    return incident


@transaction.atomic
def incident_set_handler(*, actor, incident: Incident, handler) -> Incident:
    """Hand the incident to another active person, who is told."""
    _handler_person(handler)
    incident = _lock_triaged(actor, incident, gettext_lazy("changing its handler"))
    if incident.handler_id == handler.pk:
        raise ValidationError(
            {"handler": gettext("%(person)s handles it already.") % {"person": _name(handler)}}
        )
    now = timezone.now()
    before = incident.handler
    incident.handler = handler
    _touch(incident, now, "handler")
    event = timeline.log(
        incident=incident,
        kind=EventKind.HANDLER,
        actor=actor,
        text=f"Handler: {_name(before)} → {_name(handler)}.",
        data={"from": timeline.person(before) if before else None, "to": timeline.person(handler)},
        audit_action="incident.handler",
        changes={"handler": [before.email if before else None, handler.email]},
    )
    _tell_handler(incident, actor, f"handler-{event.pk}")
    return incident


@transaction.atomic
def incident_set_category(*, actor, incident: Incident, category: str) -> Incident:
    """Correct the category after triage."""
    category = _category(category)
    incident = _lock_triaged(actor, incident, gettext_lazy("changing its category"))
    if incident.category == category:
        raise ValidationError({"category": gettext("That is its category already.")})
    try:  # a lost device's breach may be below SEV1; as another category it may not
        breach.validate_breach_severity(
            severity=incident.severity, category=category, is_breach=incident.is_breach
        )
    except ValidationError as error:
        raise ValidationError({"category": breach.SEV1_MESSAGE}) from error
    now = timezone.now()
    before = incident.category
    incident.category = category
    _touch(incident, now, "category")
    timeline.log(
        incident=incident,
        kind=EventKind.CATEGORY,
        actor=actor,
        internal=False,
        text=(
            f"Category corrected from {timeline.recorded(Category(before).label)} "
            f"to {timeline.recorded(Category(category).label)}."
        ),
        data={"from": before, "to": category},
        audit_action="incident.category",
        changes={"category": [before, category]},
    )
    return incident


# --- Post-incident review --------------------------------------------------------------------------------


def validate_review(*, held_on: datetime.date | None, participants: str, actions: str, today) -> None:
    """A post-incident review was held (a date, not after ``today``), names who took part and what was
    agreed."""
    errors = {}
    if held_on is None:
        errors["held_on"] = gettext("Give the date the review was held.")
    elif held_on > today:
        errors["held_on"] = gettext(
            "Record a review once it has been held: the date cannot be in the future."
        )
    if not (participants or "").strip():
        errors["participants"] = gettext("Name who took part.")
    if not (actions or "").strip():
        errors["actions"] = gettext("Write down what was agreed.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def post_incident_review_record(
    *, actor, incident: Incident, held_on: datetime.date, participants: str, summary: str = "", actions: str
) -> PostIncidentReview:
    """Record (or correct) the post-incident review: when it was held, who took part, what was agreed."""
    participants = (participants or "").strip()
    actions = (actions or "").strip()
    validate_review(held_on=held_on, participants=participants, actions=actions, today=timezone.localdate())
    incident = _lock(incident)
    _require_responder(actor, incident)
    now = timezone.now()
    review = PostIncidentReview.objects.filter(incident=incident).first()
    before = (
        {"held_on": review.held_on, "participants": review.participants, "summary": review.summary,
         "actions": review.actions}
        if review
        else {}
    )  # fmt: skip
    fields = {"held_on": held_on, "participants": participants, "summary": (summary or "").strip(),
              "actions": actions}  # fmt: skip
    if review is None:
        review = PostIncidentReview.objects.create(
            incident=incident, recorded_by=actor, recorded_at=now, **fields
        )
    else:
        for name, value in fields.items():
            setattr(review, name, value)
        review.recorded_by, review.recorded_at = actor, now
        review.save()
    incident.updated_at = now
    incident.save(update_fields=["updated_at"])
    timeline.log(
        incident=incident,
        kind=EventKind.REVIEW,
        actor=actor,
        text=f"Post-incident review {'corrected' if before else 'recorded'}: held on {show_date(held_on)}.",
        data={"held_on": held_on.isoformat()},
        audit_action="incident.review",
        changes={key: [before.get(key), value] for key, value in fields.items() if before.get(key) != value},
    )
    return review
