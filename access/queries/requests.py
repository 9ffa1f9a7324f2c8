"""Reads of access requests: who may see a request, my requests, and requests waiting for my approval."""

from django.db.models import Q
from django.http import Http404

from access.choices import RequestStatus
from access.models import AccessRequest
from access.services.requests import (
    approval_steps,
    requests_with_people,
    security_officer_ids,
    step_for_approver,
)

SORTS = {
    "newest": "-created_at",
    "oldest": "created_at",
    "system": "role__system__name",
    "person": "requested_for__full_name",
}


def can_see(user, request: AccessRequest, officer_ids: frozenset) -> bool:
    """Requester, the person it is for, anyone who approved, rejected or may approve it, security officers
    and auditors."""
    if user.is_security_officer or user.is_auditor:
        return True
    involved = {
        request.requested_by_id,
        request.requested_for_id,
        request.manager_approved_by_id,
        request.owner_approved_by_id,
        request.rejected_by_id,
    }
    if user.pk in involved:
        return True
    for step in approval_steps(request, officer_ids):
        if user.pk in step.approver_ids or (step.designated is not None and step.designated.pk == user.pk):
            return True
    return False


def get_request_for_user(user, pk) -> tuple[AccessRequest, frozenset]:
    """The request if ``user`` may see it (else 404), with the security officers' ids used for the rules."""
    request = requests_with_people().filter(pk=pk).first()
    officer_ids = security_officer_ids()
    if request is None or not can_see(user, request, officer_ids):
        raise Http404("No such access request.")
    return request, officer_ids


def _filtered(requests, *, system=None, q="", sort="newest"):
    if system:
        requests = requests.filter(role__system=system)
    if q:
        requests = requests.filter(
            Q(requested_for__full_name__icontains=q)
            | Q(requested_for__email__icontains=q)
            | Q(role__name__icontains=q)
            | Q(role__system__name__icontains=q)
        )
    return requests.order_by(SORTS.get(sort, "-created_at"), "-pk")


def my_requests(user, *, status="", **filters):
    """Requests ``user`` made or that are for ``user``."""
    requests = requests_with_people().filter(Q(requested_by=user) | Q(requested_for=user))
    if status:
        requests = requests.filter(status=status)
    return _filtered(requests, **filters)


def awaiting_approval(user, **filters) -> list[AccessRequest]:
    """Pending requests ``user`` may approve now. The rule lives in ``approval_steps`` (one place); the query
    narrows to candidates (two queries whatever the number of rows), the rule picks among them."""
    requests = requests_with_people().filter(status=RequestStatus.PENDING)
    requests = requests.exclude(requested_by=user).exclude(requested_for=user)
    if not user.is_security_officer:
        requests = requests.filter(
            Q(requested_for__manager=user) | Q(requested_by__manager=user) | Q(role__system__owner=user)
        )
    candidates = list(_filtered(requests, **filters))
    if not candidates:
        return []  # most people approve nothing: one query
    officer_ids = security_officer_ids()
    return [r for r in candidates if step_for_approver(r, user, officer_ids) is not None]
