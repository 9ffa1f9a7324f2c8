"""Reads of access requests: who approves a request, who may see it, my requests, and requests waiting for my
approval.

Who approves (``approval_steps``), so that a request always has a legitimate approver and nobody approves
their own request or a request for themselves:

* The **manager step**: the designated approver is the person's manager. When that manager is the requester
  (a manager asked for one of their reports), it is the requester's own manager instead.
* The **owner step** (privileged roles only): the designated approver is the system owner.
* A designated approver who is missing, deactivated, the requester, the person the access is for, or the
  one who already gave the other step's approval (two different people approve a privileged request) is
  replaced by the security officers: any active security officer except those same people may approve that
  step. So a request lacks a legitimate approver only when the installation has no security officer besides
  the requester and the person it is for.

A click approves one step: the manager step first when the approver may give it, else the owner step.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from access.choices import RequestStatus
from access.models import AccessRequest
from access.queries.register import privileged_headroom
from dpms.models import User

MANAGER_STEP = "manager"
OWNER_STEP = "owner"

SORTS = {
    "newest": "-created_at",
    "oldest": "created_at",
    "system": "role__system__name",
    "person": "requested_for__full_name",
}


@dataclass(frozen=True)
class Step:
    """One approval a request needs: who was designated, who may give it now, and whether it is given."""

    name: str
    label: str | Promise
    designated: User | None
    approver_ids: frozenset[int]
    fallback: bool
    done: bool


def requests_with_people() -> QuerySet[AccessRequest]:
    """Requests with everyone the approval rules and the pages name, fetched in the same query."""
    return AccessRequest.objects.select_related(
        "requested_by__manager",
        "requested_for__manager",
        "role__system__owner",
        "manager_approved_by",
        "owner_approved_by",
        "rejected_by",
        "grant",
    )


def _designated_manager(request: AccessRequest) -> User | None:
    manager = request.requested_for.manager
    if manager is not None and manager.pk == request.requested_by_id:
        manager = request.requested_by.manager
    return manager


def _step(
    name: str,
    label: str | Promise,
    designated: User | None,
    excluded: set[int | None],
    officer_ids: frozenset[int],
    done: bool,
) -> Step:
    if designated is not None and designated.is_active and designated.pk not in excluded:
        return Step(name, label, designated, frozenset([designated.pk]), False, done)
    return Step(name, label, designated, frozenset(officer_ids - excluded), True, done)


def approval_steps(request: AccessRequest, officer_ids: frozenset[int]) -> list[Step]:
    """The approvals ``request`` needs (see the module docstring). Costs no query when the request was
    fetched with ``requests_with_people`` and ``officer_ids`` is given."""
    base: set[int | None] = {request.requested_by_id, request.requested_for_id}
    manager_excluded = base | ({request.owner_approved_by_id} - {None})
    steps = [
        _step(
            MANAGER_STEP,
            gettext_lazy("Manager"),
            _designated_manager(request),
            manager_excluded,
            officer_ids,
            request.manager_approved_at is not None,
        )
    ]
    if request.role.privileged:
        owner_excluded = base | ({request.manager_approved_by_id} - {None})
        steps.append(
            _step(
                OWNER_STEP,
                gettext_lazy("System owner"),
                request.role.system.owner,
                owner_excluded,
                officer_ids,
                request.owner_approved_at is not None,
            )
        )
    return steps


def step_for_approver(request: AccessRequest, user, officer_ids: frozenset[int]) -> Step | None:
    """The pending step ``user`` may approve now, or None."""
    if request.status != RequestStatus.PENDING:
        return None
    for step in approval_steps(request, officer_ids):
        if not step.done and user.pk in step.approver_ids:
            return step
    return None


def may_withdraw(user, request: AccessRequest) -> bool:
    """Only the requester takes a request back (while it is pending)."""
    return request.requested_by_id == user.pk


def over_privileged_limit(request: AccessRequest) -> bool:
    """Approving would take a privileged role past its system's maximum of privileged holders."""
    return request.role.privileged and privileged_headroom(request.role.system) <= 0


def can_see(user, request: AccessRequest, officer_ids: frozenset[int]) -> bool:
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


def get_request_for_user(user, pk) -> tuple[AccessRequest, frozenset[int]]:
    """The request if ``user`` may see it (else 404), with the security officers' ids used for the rules."""
    request = requests_with_people().filter(pk=pk).first()
    officer_ids = frozenset(User.objects.security_officers().values_list("pk", flat=True))
    if request is None or not can_see(user, request, officer_ids):
        raise Http404(gettext_lazy("No such access request."))
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
    officer_ids = frozenset(User.objects.security_officers().values_list("pk", flat=True))
    return [r for r in candidates if step_for_approver(r, user, officer_ids) is not None]
