"""Treatment actions: create and edit (security officers and those who may change the risk), status updates
(also by the action's owner), and the overdue reminder step of the risk tick.

Days are counted in the installation's time zone (``TIME_ZONE``): an action is overdue once its due day has
passed there, and the overdue digest is "one per owner per day" on that calendar.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dpms import audit
from dpms.formats import show_date
from dpms.notify import DigestItem, claim_digest_recipients, digest, notify_each_once
from risk.choices import ActionStatus
from risk.models import Risk, TreatmentAction
from risk.queries.actions import may_set_action_status, overdue_actions

# A day written as the reader's pages write it: notifications are rendered in each recipient's language.
lazy_date = lazy(show_date, str)

EDITED_FIELDS = ("title", "description", "owner", "due_on")


def site_today(now: datetime.datetime | None = None) -> datetime.date:
    """The calendar day of ``now`` in the installation's time zone (not the signed-in person's)."""
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def action_link(action: TreatmentAction) -> str:
    return reverse("risk:action_detail", args=[action.risk_id, action.pk])


def _snapshot(action: TreatmentAction) -> dict:
    return {
        "title": action.title,
        "description": action.description,
        "owner": action.owner.email if action.owner_id else None,
        "due_on": action.due_on,
        "status": action.status,
    }


def validate_action(*, title: str, owner, due_on) -> str:
    """A treatment action has a title, an active owner and a due date; returns the title, trimmed."""
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = gettext("Give the action a title.")
    if owner is None or not owner.is_active:
        errors["owner"] = gettext("Choose an active person as the owner.")
    if due_on is None:
        errors["due_on"] = gettext("Give a due date.")
    if errors:
        raise ValidationError(errors)
    return title


def _tell_owner(action: TreatmentAction, actor, occasion: str) -> None:
    """Tell the action's owner, unless they made the change (key ``risk-action:<pk>:<occasion>:<owner>``)."""
    if action.owner_id != getattr(actor, "pk", None):
        notify_each_once(
            [action.owner],
            subject=format_lazy(_("Risk action for you: {title}"), title=action.title),
            body=format_lazy(
                _("{person} made you the owner of an action on {risk}: due {day}."),
                person=str(actor),
                risk=str(action.risk),
                day=lazy_date(action.due_on),
            ),
            link=action_link(action),
            dedup_key=f"risk-action:{action.pk}:{occasion}",
        )


@transaction.atomic
def action_create(
    *, risk: Risk, actor, title: str, owner, due_on: datetime.date, description: str = ""
) -> TreatmentAction:
    """Add a treatment action to ``risk``; the owner is told when it is someone else."""
    title = validate_action(title=title, owner=owner, due_on=due_on)
    if due_on < site_today():
        raise ValidationError({"due_on": gettext("The due date cannot be in the past.")})
    action = TreatmentAction.objects.create(
        risk=risk, title=title, description=(description or "").strip(), owner=owner, due_on=due_on
    )
    audit.record(action="risk.action.create", actor=actor, obj=action, changes=_snapshot(action))
    _tell_owner(action, actor, "created")
    return action


@transaction.atomic
def action_update(
    *, action: TreatmentAction, actor, title: str, owner, due_on: datetime.date, description: str = ""
) -> TreatmentAction:
    """Change an action's title, description, owner or due date; a new owner is told."""
    title = validate_action(title=title, owner=owner, due_on=due_on)
    # Lock the row: an edit and a status update at once must not overwrite each other's fields.
    action = TreatmentAction.objects.select_for_update().select_related("owner", "risk").get(pk=action.pk)
    before = _snapshot(action)
    previous_owner = action.owner_id
    action.title, action.description, action.owner, action.due_on = (
        title,
        (description or "").strip(),
        owner,
        due_on,
    )
    changes = audit.diff(before, _snapshot(action))
    if not changes:
        return action
    action.save(update_fields=list(EDITED_FIELDS))
    audit.record(action="risk.action.update", actor=actor, obj=action, changes=changes)
    if previous_owner != owner.pk:
        _tell_owner(action, actor, f"owner-{owner.pk}")
    return action


@transaction.atomic
def action_set_status(
    *, action: TreatmentAction, actor, status: str, may_change_risk: bool
) -> TreatmentAction:
    """Move an action to ``status``. The action's owner may, and so may whoever may change the risk
    (``may_change_risk``, decided by the caller's access helper)."""
    if status not in ActionStatus.values:
        raise ValidationError({"status": gettext("Choose a status from the list.")})
    # Lock the row: two status clicks at once are serialised, and each audit event has the true "before".
    action = TreatmentAction.objects.select_for_update().select_related("owner", "risk").get(pk=action.pk)
    if not may_set_action_status(actor, action, may_change_risk=may_change_risk):
        raise PermissionDenied(
            "Only the action's owner or someone who may change the risk sets its status (auditors never)."
        )
    if action.status == status:
        return action
    before = action.status
    action.status = status
    action.completed_at = timezone.now() if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "completed_at"])
    audit.record(action="risk.action.status", actor=actor, obj=action, changes={"status": [before, status]})
    return action


@transaction.atomic
def remind_overdue_actions(*, now) -> int:
    """One digest per owner per day listing all their overdue actions; returns how many digests were new.

    The day's digest has the key ``risk-actions-overdue:<day>:<owner>``: a repeated tick is a no-op, and the
    first tick after downtime sends that day's digest. Owners already told today are left out before any
    action is read, so a tick that has nothing new to say costs two queries.
    """
    today = site_today(now)
    prefix = f"risk-actions-overdue:{today:%Y-%m-%d}"
    owners = claim_digest_recipients(overdue_actions(today), person_field="owner_id", dedup_prefix=prefix)
    if not owners:
        return 0
    actions = (
        overdue_actions(today)
        .filter(owner_id__in=owners)
        .select_related("owner", "risk")
        .order_by("owner_id", "due_on", "pk")
    )
    items = [
        DigestItem(
            action.owner,
            format_lazy(
                _("{reference}: {title} (due {day})"),
                reference=action.risk.reference,
                title=action.title,
                day=lazy_date(action.due_on),
            ),
            action_link(action),
        )
        for action in actions
    ]
    return digest(
        items=items,
        subject=_("Overdue risk actions"),
        intro=_("These risk treatment actions you own are past their due date:"),
        dedup_prefix=prefix,
    )
