"""Reads of treatment actions: who sees and changes them, their list, a risk's actions and the overdue ones.

Whoever sees the risk sees its actions; an action's owner sees the action (and its risk's reference and
title) even without seeing the whole risk. Creating and editing actions follows the risk's edit right
(security officers, the owner, delegated editors); the action's owner also sets its status. Auditors change
nothing.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from risk.choices import ActionStatus
from risk.models import TreatmentAction
from risk.queries.register import can_edit_risk, risks_for_user, sees_all_risks

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)

ACTION_SORTS = {
    "due": ("due_on", "pk"),
    "-due": ("-due_on", "-pk"),
    "risk": ("risk__reference", "due_on", "pk"),
    "owner": ("owner__full_name", "due_on", "pk"),
    "status": ("status", "due_on", "pk"),
}


# --- Who sees and changes what ------------------------------------------------------------------------------
def actions_for_user(user):
    """Actions ``user`` may see: those on risks they see, and those they own."""
    actions = TreatmentAction.objects.select_related("risk", "owner")
    if sees_all_risks(user):
        return actions
    return actions.filter(Q(owner=user) | Q(risk__in=risks_for_user(user)))


def get_action_for_user(user, risk_id, pk) -> tuple[TreatmentAction, bool]:
    """The action (404 when ``user`` may not see it) and whether ``user`` may change its risk; of risk
    ``risk_id`` (None: of whichever risk, for the API's URLs, which name the action alone)."""
    actions = actions_for_user(user).filter(pk=pk).select_related("risk__owner")
    action = (actions if risk_id is None else actions.filter(risk_id=risk_id)).first()
    if action is None:
        raise Http404("No such action.")
    return action, can_edit_risk(user, action.risk)


def get_action_for_change(user, risk_id, pk) -> TreatmentAction:
    action, may_change = get_action_for_user(user, risk_id, pk)
    if not may_change:
        raise PermissionDenied("Only security officers, the risk's owner and delegated editors edit actions.")
    return action


def may_set_action_status(user, action: TreatmentAction, *, may_change_risk: bool) -> bool:
    """The action's owner sets its status, and so does whoever may change the risk (``may_change_risk``,
    from ``get_action_for_user``); auditors never."""
    return not user.is_auditor and (action.owner_id == user.pk or may_change_risk)


def sees_overdue_count(user) -> bool:
    """Security officers see how many actions are overdue across the register (a dashboard panel)."""
    return user.is_active and user.is_security_officer


# --- Lists -------------------------------------------------------------------------------------------------
def filter_actions(actions, *, today: datetime.date, mine=None, status="", overdue=False, q="", sort="due"):
    if mine is not None:
        actions = actions.filter(owner=mine)
    if status:
        actions = actions.filter(status=status)
    if overdue:
        actions = actions.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    if q:
        actions = actions.filter(
            Q(title__icontains=q) | Q(risk__reference__icontains=q) | Q(risk__title__icontains=q)
        )
    return actions.order_by(*ACTION_SORTS.get(sort, ACTION_SORTS["due"]))


def overdue_actions(today: datetime.date):
    """Open or in-progress actions whose due day has passed."""
    return TreatmentAction.objects.filter(status__in=OPEN_STATUSES, due_on__lt=today)


def overdue_count(today: datetime.date) -> int:
    return overdue_actions(today).count()


def risk_actions(risk) -> list[TreatmentAction]:
    """The risk's treatment actions with their owners, earliest due first: one query, none when they were
    prefetched as ``actions``."""
    cached = getattr(risk, "_prefetched_objects_cache", {}).get("actions")
    if cached is not None:
        return list(cached)
    return list(TreatmentAction.objects.filter(risk=risk).select_related("owner").order_by("due_on", "pk"))
