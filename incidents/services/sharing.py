"""Confidentiality, shares and links of an incident: who else may see a confidential
incident (django-guardian object permission), and the risks it materialised and the systems it touched.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from access.models import System
from incidents.choices import EventKind
from incidents.models import Incident
from incidents.queries.visibility import (
    is_shared_with,
)
from incidents.services import timeline
from incidents.services.common import (
    PERMISSION,
    _active_person,
    _lock,
    _name,
    _require_responder,
    _require_triage,
    _touch,
)

# --- Confidentiality and shares --------------------------------------------------------------------------


def _make_confidential(*, actor, incident: Incident, confidential: bool, reason: str, now) -> None:
    incident.confidential = confidential
    _touch(incident, now, "confidential")
    timeline.log(
        incident=incident,
        kind=EventKind.CONFIDENTIAL,
        actor=actor,
        text=("Made confidential" if confidential else "No longer confidential") + f": {reason}",
        data={"confidential": confidential, "reason": reason},
        audit_action="incident.confidential",
        changes={"confidential": [not confidential, confidential], "reason": reason},
    )
    if confidential and incident.handler_id != actor.pk and not is_shared_with(actor, incident):
        # Whoever makes it confidential keeps seeing it: they are added to it.
        assign_perm(PERMISSION, actor, incident)
        timeline.log(
            incident=incident,
            kind=EventKind.SHARE,
            actor=actor,
            text=f"{_name(actor)} added to the confidential incident.",
            data={"user": timeline.person(actor), "shared": True},
            audit_action="incident.share",
            changes={"user": actor.email, "shared": True},
        )


@transaction.atomic
def incident_set_confidential(*, actor, incident: Incident, confidential: bool, reason: str) -> Incident:
    """Make an incident confidential (only its handler, the people added to it, its reporter and auditors
    see it) or open it to every security officer again, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why.")})
    incident = _lock(incident)
    _require_triage(actor, incident)
    if incident.confidential == bool(confidential):
        raise ValidationError(
            {
                "confidential": gettext("It is confidential already.")
                if confidential
                else gettext("It is not confidential.")
            }
        )
    _make_confidential(
        actor=actor, incident=incident, confidential=bool(confidential), reason=reason, now=timezone.now()
    )
    return incident


@transaction.atomic
def incident_share(*, actor, incident: Incident, user) -> Incident:
    """Let one more active person see the incident (guardian object permission), and tell them."""
    _active_person(user, "user", "person to share with")
    incident = _lock(incident)
    _require_triage(actor, incident)
    if is_shared_with(user, incident):
        raise ValidationError(
            {
                "user": gettext("%(reference)s is shared with %(person)s already.")
                % {"reference": incident.reference, "person": _name(user)}
            }
        )
    assign_perm(PERMISSION, user, incident)
    incident.updated_at = timezone.now()
    incident.save(update_fields=["updated_at"])
    event = timeline.log(
        incident=incident,
        kind=EventKind.SHARE,
        actor=actor,
        text=f"Shared with {_name(user)}.",
        data={"user": timeline.person(user), "shared": True},
        audit_action="incident.share",
        changes={"user": user.email, "shared": True},
    )
    if user.pk != actor.pk:
        timeline.tell(
            incident=incident,
            recipients=[user],
            subject=format_lazy(
                gettext_lazy("{reference} was shared with you"), reference=incident.reference
            ),
            body=format_lazy(
                gettext_lazy("{person} shared the incident {reference} {title} with you."),
                person=_name(actor),
                reference=incident.reference,
                title=incident.title,
            ),
            dedup_key=f"incident-share:{incident.pk}:{event.pk}",
            actor=actor,
        )
    return incident


@transaction.atomic
def incident_unshare(*, actor, incident: Incident, user) -> Incident:
    """Take a share back."""
    if user is None:
        raise ValidationError({"user": gettext("Choose a person.")})
    incident = _lock(incident)
    _require_triage(actor, incident)
    if not is_shared_with(user, incident):
        raise ValidationError({"user": f"{incident.reference} is not shared with {_name(user)}."})
    remove_perm(PERMISSION, user, incident)
    incident.updated_at = timezone.now()
    incident.save(update_fields=["updated_at"])
    timeline.log(
        incident=incident,
        kind=EventKind.SHARE,
        actor=actor,
        text=f"No longer shared with {_name(user)}.",
        data={"user": timeline.person(user), "shared": False},
        audit_action="incident.unshare",
        changes={"user": user.email, "shared": False},
    )
    return incident


# --- Links to risks and systems --------------------------------------------------------------------------


@transaction.atomic
def incident_link(*, actor, incident: Incident, risks, systems) -> Incident:
    """Name the risks the incident materialised and the systems it touched. Only risks the actor may see
    can be added or removed; links to risks hidden from them are kept."""
    from risk.queries.register import risks_for_user

    incident = _lock(incident)
    _require_responder(actor, incident)
    visible = risks_for_user(actor)
    chosen = {risk.pk for risk in risks}
    if chosen - set(visible.filter(pk__in=chosen).values_list("pk", flat=True)):
        raise ValidationError({"risks": gettext("Choose risks from the register that you may see.")})
    current_risks = set(incident.risks.values_list("pk", flat=True))
    hidden_kept = current_risks - set(visible.filter(pk__in=current_risks).values_list("pk", flat=True))
    new_risks = chosen | hidden_kept
    system_ids = {system.pk for system in systems}
    if len(System.objects.filter(pk__in=system_ids)) != len(system_ids):
        raise ValidationError({"systems": gettext("Choose systems from the access register.")})
    current_systems = set(incident.systems.values_list("pk", flat=True))
    changes = {}
    for name, old, new, labels in (
        ("risks", current_risks, new_risks, _risk_labels),
        ("systems", current_systems, system_ids, _system_labels),
    ):
        added, removed = new - old, old - new
        if added:
            changes[f"{name}_added"] = labels(added)
        if removed:
            changes[f"{name}_removed"] = labels(removed)
    if not changes:
        return incident
    incident.risks.set(new_risks)
    incident.systems.set(system_ids)
    incident.updated_at = timezone.now()
    incident.save(update_fields=["updated_at"])
    parts = [
        f"{label} {', '.join(changes[key])}"
        for key, label in (
            ("risks_added", "risks added:"),
            ("risks_removed", "risks removed:"),
            ("systems_added", "systems added:"),
            ("systems_removed", "systems removed:"),
        )
        if key in changes
    ]
    timeline.log(
        incident=incident,
        kind=EventKind.LINK,
        actor=actor,
        text="Links changed: " + "; ".join(parts) + ".",
        data=changes,
        audit_action="incident.link",
        changes=changes,
    )
    return incident


def _risk_labels(ids) -> list[str]:
    from risk.models import Risk

    return sorted(Risk.objects.filter(pk__in=ids).values_list("reference", flat=True))


def _system_labels(ids) -> list[str]:
    return sorted(System.objects.filter(pk__in=ids).values_list("name", flat=True))
