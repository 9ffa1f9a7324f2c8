"""Reads of risk acceptances: who sees, asks for, approves, rejects and revokes them, and their lists.

Whoever sees the risk sees its acceptances; admins also see those above appetite, which they approve. Only
the risk's owner asks (auditors change nothing). Approvals: one by a security officer; when above appetite,
one by an admin as well, in either order; two different people give them, and neither is the risk's owner
or the requester. Approvers' lists are narrowed by fields in one query; ``approval_for`` picks exactly.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from risk.choices import AcceptanceStatus
from risk.models import Risk, RiskAcceptance
from risk.queries.register import get_risk_for_user, risks_for_user, sees_all_risks

OFFICER, ADMIN = "officer", "admin"
LIVE = (AcceptanceStatus.REQUESTED, AcceptanceStatus.APPROVED)  # requested or in force

ACCEPTANCE_SORTS = {
    "newest": ("-requested_at", "-pk"),
    "oldest": ("requested_at", "pk"),
    "expiry": ("expires_on", "pk"),
    "risk": ("risk__reference", "-pk"),
}


def with_people():
    """Acceptances with their risk and every person they name, fetched with them."""
    return RiskAcceptance.objects.select_related(
        "risk__owner",
        "risk__matrix",
        "requested_by",
        "officer_approved_by",
        "admin_approved_by",
        "rejected_by",
        "revoked_by",
    )


# --- Who approves -------------------------------------------------------------------------------------------
def approvals_needed(acceptance: RiskAcceptance) -> list[str]:
    return [OFFICER, ADMIN] if acceptance.above_appetite else [OFFICER]


def is_involved_owner(acceptance: RiskAcceptance, user) -> bool:
    return user.pk in (acceptance.risk.owner_id, acceptance.requested_by_id)


def approval_for(acceptance: RiskAcceptance, user) -> str | None:
    """The approval ``user`` may give now (officer first when they could give either), or None."""
    if acceptance.status != AcceptanceStatus.REQUESTED or is_involved_owner(acceptance, user):
        return None
    given_by = {acceptance.officer_approved_by_id, acceptance.admin_approved_by_id} - {None}
    if user.pk in given_by:
        return None  # one person gives one approval, whatever roles they hold
    if user.is_security_officer and acceptance.officer_approved_at is None:
        return OFFICER
    if acceptance.above_appetite and user.is_admin and acceptance.admin_approved_at is None:
        return ADMIN
    return None


def may_reject(acceptance: RiskAcceptance, user) -> bool:
    """Approvers (security officers; admins when above appetite) other than the owner refuse a request."""
    return (
        acceptance.status == AcceptanceStatus.REQUESTED
        and not is_involved_owner(acceptance, user)
        and (user.is_security_officer or (acceptance.above_appetite and user.is_admin))
    )


def is_complete(acceptance: RiskAcceptance) -> bool:
    """Every approval the acceptance needs is in."""
    done = {OFFICER: acceptance.officer_approved_at, ADMIN: acceptance.admin_approved_at}
    return all(done[name] is not None for name in approvals_needed(acceptance))


def can_decide(user, acceptance: RiskAcceptance) -> bool:
    return approval_for(acceptance, user) is not None


def can_reject(user, acceptance: RiskAcceptance) -> bool:
    return may_reject(acceptance, user)


def may_revoke_acceptances(user) -> bool:
    """Security officers end an acceptance in force."""
    return user.is_active and user.is_security_officer


def can_revoke(user, acceptance: RiskAcceptance) -> bool:
    return acceptance.status == AcceptanceStatus.APPROVED and may_revoke_acceptances(user)


def may_approve_acceptances(user) -> bool:
    """Security officers and admins approve acceptances (those waiting for them show on their dashboard)."""
    return user.is_active and (user.is_security_officer or user.is_admin)


def may_list_acceptances(user) -> bool:
    """The acceptances list is for approvers (security officers, admins) and auditors."""
    return user.is_active and (user.is_security_officer or user.is_admin or user.is_auditor)


# --- Who asks -----------------------------------------------------------------------------------------------
def may_request_acceptance(user, risk: Risk) -> bool:
    """Only the risk's owner asks for its acceptance; an auditor who owns a risk changes nothing."""
    return user.is_active and risk.owner_id == user.pk and not user.is_auditor


def get_risk_to_accept(user, risk_id) -> Risk:
    """A risk ``user`` may see (404 otherwise) and ask to accept (403 otherwise)."""
    risk = get_risk_for_user(user, risk_id)
    if not may_request_acceptance(user, risk):
        raise PermissionDenied("Only the risk's owner asks for its acceptance.")
    return risk


# --- Lists --------------------------------------------------------------------------------------------------
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
    """An acceptance ``user`` may see (404 otherwise), of risk ``risk_id`` (None: of whichever risk, for the
    API's URLs, which name the acceptance alone)."""
    acceptances = acceptances_for_user(user).filter(pk=pk)
    acceptance = (acceptances if risk_id is None else acceptances.filter(risk_id=risk_id)).first()
    if acceptance is None:
        raise Http404("No such acceptance.")
    return acceptance


def awaiting_approval(user):
    """Requested acceptances ``user`` may approve now, oldest request first, narrowed in the query; the rule
    picks exactly."""
    acceptances = with_people().filter(status=AcceptanceStatus.REQUESTED)
    acceptances = acceptances.exclude(risk__owner=user).exclude(requested_by=user)
    acceptances = acceptances.exclude(officer_approved_by=user).exclude(admin_approved_by=user)
    slots = Q(pk__in=[])
    if user.is_security_officer:
        slots |= Q(officer_approved_at__isnull=True)
    if user.is_admin:
        slots |= Q(above_appetite=True, admin_approved_at__isnull=True)
    return acceptances.filter(slots).order_by("requested_at", "pk")


def awaiting_approval_lines(user, limit: int) -> list[RiskAcceptance]:
    """The first ``limit`` of ``awaiting_approval`` with what the dashboard panel shows (the risk's reference
    and the end date): one join, not the nine of every person an acceptance names, whose planning alone
    cost the dashboard more than reading them."""
    acceptances = awaiting_approval(user).select_related(None).select_related("risk")
    return list(acceptances.only("pk", "expires_on", "risk__reference")[:limit])


def filter_acceptances(acceptances, *, status="", q="", sort="newest"):
    if status:
        acceptances = acceptances.filter(status=status)
    if q:
        acceptances = acceptances.filter(Q(risk__reference__icontains=q) | Q(risk__title__icontains=q))
    return acceptances.order_by(*ACCEPTANCE_SORTS.get(sort, ACCEPTANCE_SORTS["newest"]))


def has_live_acceptance(risk: Risk) -> bool:
    """Whether the risk has an acceptance requested or in force (a risk has at most one)."""
    return RiskAcceptance.objects.filter(risk=risk, status__in=LIVE).exists()


def live_acceptance_without_admin(risk: Risk) -> RiskAcceptance | None:
    """The risk's acceptance requested or in force that has no admin's approval, if any."""
    return RiskAcceptance.objects.filter(risk=risk, status__in=LIVE, admin_approved_by__isnull=True).first()


def risk_acceptances(risk) -> list[RiskAcceptance]:
    """The risk's acceptances, newest first, with the people who asked and approved: one query, none when
    they were prefetched as ``acceptances``."""
    cached = getattr(risk, "_prefetched_objects_cache", {}).get("acceptances")
    if cached is not None:
        return list(cached)
    return list(
        RiskAcceptance.objects.filter(risk=risk)
        .select_related("requested_by", "officer_approved_by", "admin_approved_by")
        .order_by("-requested_at", "-pk")
    )
