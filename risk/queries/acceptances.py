"""Reads of treatment actions and risk acceptances: who sees and changes them, and their lists.

Actions: whoever sees the risk sees its actions; an action's owner sees the action (and its risk's reference
and title) even without seeing the whole risk. Creating and editing actions follows the risk's edit right
(security officers, the owner, delegated editors); the action's owner also sets its status.

Acceptances: whoever sees the risk sees its acceptances; admins also see those above appetite, which they
approve. Approvers' lists are filtered by fields in one query; the rules themselves live in
``risk.services.acceptances`` (``approval_for``).
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404

from risk.choices import AcceptanceStatus
from risk.models import RiskAcceptance, TreatmentAction
from risk.queries.register import can_edit_risk, risks_for_user, sees_all_risks
from risk.services.acceptances import approval_for, may_reject, with_people
from risk.services.actions import OPEN_STATUSES

ACTION_SORTS = {
    "due": ("due_on", "pk"),
    "-due": ("-due_on", "-pk"),
    "risk": ("risk__reference", "due_on", "pk"),
    "owner": ("owner__full_name", "due_on", "pk"),
    "status": ("status", "due_on", "pk"),
}
ACCEPTANCE_SORTS = {
    "newest": ("-requested_at", "-pk"),
    "oldest": ("requested_at", "pk"),
    "expiry": ("expires_on", "pk"),
    "risk": ("risk__reference", "-pk"),
}


def treatment_prefetches() -> list[Prefetch]:
    """For the risk detail page: its actions and acceptances with their people (two queries in all), so
    ``risk/actions/_risk_section.html`` and ``risk/acceptances/_risk_section.html`` cost no more."""
    return [
        Prefetch(
            "actions", queryset=TreatmentAction.objects.select_related("owner").order_by("due_on", "pk")
        ),
        Prefetch(
            "acceptances",
            queryset=RiskAcceptance.objects.select_related(
                "requested_by", "officer_approved_by", "admin_approved_by"
            ).order_by("-requested_at", "-pk"),
        ),
    ]


# --- Actions --------------------------------------------------------------------------------------------
def actions_for_user(user):
    """Actions ``user`` may see: those on risks they see, and those they own."""
    actions = TreatmentAction.objects.select_related("risk", "owner")
    if sees_all_risks(user):
        return actions
    return actions.filter(Q(owner=user) | Q(risk__in=risks_for_user(user)))


def get_action_for_user(user, risk_id, pk) -> tuple[TreatmentAction, bool]:
    """The action (404 when ``user`` may not see it) and whether ``user`` may change its risk."""
    action = actions_for_user(user).filter(pk=pk, risk_id=risk_id).select_related("risk__owner").first()
    if action is None:
        raise Http404("No such action.")
    return action, can_edit_risk(user, action.risk)


def get_action_for_change(user, risk_id, pk) -> TreatmentAction:
    action, may_change = get_action_for_user(user, risk_id, pk)
    if not may_change:
        raise PermissionDenied("Only security officers, the risk's owner and delegated editors edit actions.")
    return action


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


def overdue_count(today: datetime.date) -> int:
    return TreatmentAction.objects.filter(status__in=OPEN_STATUSES, due_on__lt=today).count()


# --- Acceptances ----------------------------------------------------------------------------------------
def acceptances_for_user(user):
    """Acceptances ``user`` may see: those on risks they see; admins also every one above appetite."""
    acceptances = with_people()
    if sees_all_risks(user):
        return acceptances
    visible = Q(risk__in=risks_for_user(user))
    if user.is_admin:
        visible |= Q(above_appetite=True)
    return acceptances.filter(visible)


def get_acceptance_for_user(user, risk_id, pk) -> RiskAcceptance:
    acceptance = acceptances_for_user(user).filter(pk=pk, risk_id=risk_id).first()
    if acceptance is None:
        raise Http404("No such acceptance.")
    return acceptance


def may_list_acceptances(user) -> bool:
    """The acceptances list is for approvers (security officers, admins) and auditors."""
    return user.is_active and (user.is_security_officer or user.is_admin or user.is_auditor)


def awaiting_approval(user):
    """Requested acceptances ``user`` may approve now, narrowed in the query; the rule picks exactly."""
    acceptances = with_people().filter(status=AcceptanceStatus.REQUESTED)
    acceptances = acceptances.exclude(risk__owner=user).exclude(requested_by=user)
    acceptances = acceptances.exclude(officer_approved_by=user).exclude(admin_approved_by=user)
    slots = Q(pk__in=[])
    if user.is_security_officer:
        slots |= Q(officer_approved_at__isnull=True)
    if user.is_admin:
        slots |= Q(above_appetite=True, admin_approved_at__isnull=True)
    return acceptances.filter(slots)


def filter_acceptances(acceptances, *, status="", q="", sort="newest"):
    if status:
        acceptances = acceptances.filter(status=status)
    if q:
        acceptances = acceptances.filter(Q(risk__reference__icontains=q) | Q(risk__title__icontains=q))
    return acceptances.order_by(*ACCEPTANCE_SORTS.get(sort, ACCEPTANCE_SORTS["newest"]))


def can_decide(user, acceptance: RiskAcceptance) -> bool:
    return approval_for(acceptance, user) is not None


def can_reject(user, acceptance: RiskAcceptance) -> bool:
    return may_reject(acceptance, user)


def can_revoke(user, acceptance: RiskAcceptance) -> bool:
    return acceptance.status == AcceptanceStatus.APPROVED and user.is_security_officer
