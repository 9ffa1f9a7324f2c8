"""Follow-up actions of an incident: owners, due dates and a daily overdue digest.

Responders (the handler and the security officers handling it) add actions and set any action's status; an
action's owner sets the status of their own. An owner who cannot see the incident is added to it when a
security officer assigns the action (they need the page to report progress); a handler who is not a
security officer asks one to share it first.

Days are counted in the installation's time zone (``TIME_ZONE``): an action is overdue once its due day has
passed there, and the overdue digest is "one per owner per day" on that calendar.
"""

import datetime
import logging
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from guardian.shortcuts import assign_perm

from dpms.formats import show_date
from dpms.notify import DigestItem, claim_digest_recipients, digest
from incidents.choices import ActionStatus, EventKind
from incidents.models import FollowUpAction, Incident
from incidents.queries.visibility import (
    SHARE_PERMISSION,
    can_see,
    can_triage,
    incidents_for_user,
    is_responder,
)
from incidents.services import timeline

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)

logger = logging.getLogger(__name__)


def site_today(now: datetime.datetime | None = None) -> datetime.date:
    """The calendar day of ``now`` in the installation's time zone (not the signed-in person's)."""
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def validate_followup(*, title: str, owner, due_on: datetime.date | None, today: datetime.date) -> None:
    """A follow-up action has a title, an active owner and a due date not before the day it is added."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = gettext("Give the action a title.")
    if owner is None or not owner.is_active:
        errors["owner"] = gettext("Choose an active person as the owner.")
    if due_on is None:
        errors["due_on"] = gettext("Give a due date.")
    elif due_on < today:
        errors["due_on"] = gettext("The due date cannot be in the past.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def followup_create(
    *, actor, incident: Incident, title: str, owner, due_on: datetime.date, description: str = ""
) -> FollowUpAction:
    """Add a follow-up action with an owner and a due date; the owner is told when it is someone else."""
    title = (title or "").strip()
    validate_followup(title=title, owner=owner, due_on=due_on, today=site_today())
    # Lock the incident: an unshare or a status change meanwhile must not leave an owner who cannot see it.
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not is_responder(actor, incident):
        raise PermissionDenied(gettext("Only the handler and the security officers add follow-up actions."))
    if not can_see(owner, incident):
        if not can_triage(actor, incident):
            raise ValidationError(
                {
                    "owner": gettext(
                        "%(person)s cannot see this incident: a security officer must share it first."
                    )
                    % {"person": owner}
                }
            )
        assign_perm(f"incidents.{SHARE_PERMISSION}", owner, incident)
        timeline.log(
            incident=incident,
            kind=EventKind.SHARE,
            actor=actor,
            text=f"Shared with {owner}, the owner of a follow-up action.",
            data={"user": timeline.person(owner), "shared": True},
            audit_action="incident.share",
            changes={"user": owner.email, "shared": True},
        )
    action = FollowUpAction.objects.create(
        incident=incident,
        title=title,
        description=(description or "").strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    timeline.log(
        incident=incident,
        kind=EventKind.ACTION,
        actor=actor,
        text=f"Follow-up action added: {title} (owner {owner}, due {show_date(due_on)}).",
        data={"action": action.pk, "owner": timeline.person(owner), "due_on": due_on.isoformat()},
        audit_action="incident.followup.create",
        changes={"action": action.pk, "title": title, "owner": owner.email, "due_on": due_on.isoformat()},
    )
    if owner.pk != actor.pk:
        timeline.tell(
            incident=incident,
            recipients=[owner],
            subject=format_lazy(gettext_lazy("Follow-up action for you: {title}"), title=title),
            body=format_lazy(
                gettext_lazy(
                    "{person} made you the owner of a follow-up action on {reference}: {title}, due {due}."
                ),
                person=actor,
                reference=incident.reference,
                title=title,
                due=lazy(show_date, str)(due_on),
            ),
            dedup_key=f"incident-action:{action.pk}:owner",
            actor=actor,
        )
    return action


@transaction.atomic
def followup_set_status(*, actor, action: FollowUpAction, status: str) -> FollowUpAction:
    """Move a follow-up action to ``status``: its owner may, and so may the incident's responders."""
    if status not in ActionStatus.values:
        raise ValidationError({"status": gettext("Choose a status from the list.")})
    # Lock the row: two status clicks at once are serialised, and each audit event has the true "before".
    action = FollowUpAction.objects.select_for_update().get(pk=action.pk)
    incident = action.incident
    owner_may = action.owner_id == actor.pk and can_see(actor, incident)
    if getattr(actor, "is_auditor", False) and not is_responder(actor, incident):
        raise PermissionDenied(gettext("Auditors read incidents; they change nothing."))
    if not owner_may and not is_responder(actor, incident):
        raise PermissionDenied(
            gettext("Only the action's owner and the incident's responders set its status.")
        )
    if action.status == status:
        return action
    before = action.status
    action.status = status
    action.completed_at = timezone.now() if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "completed_at"])
    timeline.log(
        incident=incident,
        kind=EventKind.ACTION,
        actor=actor,
        text=(
            f"Follow-up action {action.title}: {timeline.recorded(ActionStatus(before).label)} "
            f"→ {timeline.recorded(ActionStatus(status).label)}."
        ),
        data={"action": action.pk, "from": before, "to": status},
        audit_action="incident.followup.status",
        changes={"action": action.pk, "status": [before, status]},
    )
    return action


def overdue_actions(today: datetime.date):
    """Open or in-progress follow-up actions whose due day has passed."""
    return FollowUpAction.objects.filter(status__in=OPEN_STATUSES, due_on__lt=today)


def remind_overdue_actions(*, now) -> int:
    """Tick step: one digest per owner per day listing all their overdue follow-up actions; returns how many
    digests were new. Each incident named gets a timeline line saying who was reminded.

    The day's digest has the key ``incident-actions:<day>:<owner>``: a repeated tick is a no-op, and the
    first tick after downtime sends that day's digest (not one per missed day). Owners told today are left
    out before any action is read, so a tick with nothing new costs two queries.

    Each owner's digest is sent in its own savepoint: one that fails is logged and rolled back (the next
    tick tries again), the other owners' digests go out, and the step then fails so monitoring sees it.
    """
    sent, failed = _remind_overdue(now)
    if failed:
        raise RuntimeError(f"Overdue follow-up digests failed for {len(failed)} owner(s); see the log")
    return sent


@transaction.atomic
def _remind_overdue(now) -> tuple[int, list[int]]:
    today = site_today(now)
    prefix = f"incident-actions:{today:%Y-%m-%d}"
    owners = claim_digest_recipients(overdue_actions(today), person_field="owner_id", dedup_prefix=prefix)
    if not owners:
        return 0, []
    actions = (
        overdue_actions(today)
        .filter(owner_id__in=owners)
        .select_related("owner", "incident")
        .order_by("owner_id", "due_on", "pk")
    )
    per_owner = defaultdict(list)
    for action in actions:
        per_owner[action.owner].append(action)
    sent, failed = 0, []
    for owner, owed in per_owner.items():
        try:
            with transaction.atomic():
                sent += _send_digest(owner, owed, prefix=prefix, now=now)
        except Exception:
            logger.exception("Overdue follow-up digest for user %s failed", owner.pk)
            failed.append(owner.pk)
    return sent, failed


def _send_digest(owner, owed: list, *, prefix: str, now) -> int:
    """Send ``owner`` the day's digest of ``owed`` and note it on each incident's timeline; 1 if sent."""
    # An owner who can no longer see the incident (unshared, or it became confidential) is not sent its
    # internal action titles; the action still shows overdue to those handling the incident.
    visible = set(
        incidents_for_user(owner)
        .filter(pk__in={action.incident_id for action in owed})
        .values_list("pk", flat=True)
    )
    owed = [action for action in owed if action.incident_id in visible]
    if not owed:
        return 0
    items = [
        DigestItem(
            owner,
            format_lazy(
                gettext_lazy("{reference}: {title} (due {due})"),
                reference=action.incident.reference,
                title=action.title,
                due=lazy(show_date, str)(action.due_on),
            ),
            timeline.incident_url(action.incident),
        )
        for action in owed
    ]
    if not digest(
        items=items,
        subject=gettext_lazy("Overdue incident follow-up actions"),
        intro=gettext_lazy("These follow-up actions of incidents you own are past their due date:"),
        dedup_prefix=prefix,
    ):
        return 0
    incidents = {action.incident_id: action.incident for action in owed}
    for incident in incidents.values():
        titles = ", ".join(action.title for action in owed if action.incident_id == incident.pk)
        timeline.log(
            incident=incident,
            kind=EventKind.NOTIFICATION,
            text=f"Overdue follow-up reminder sent to {owner}: {titles}",
            data={
                "subject": "Overdue incident follow-up actions",
                "recipients": [timeline.person(owner)],
            },
            at=now,
        )
    return 1
