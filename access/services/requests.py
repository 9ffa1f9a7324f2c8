"""Access requests: ask for a role, approve (manager, and the system owner for a privileged role), reject,
withdraw. Full approval creates the grant through ``access.services.grants.grant_create``.

Who approves each step is a rule of its own, in ``access.queries.requests`` (``approval_steps``); each action
here re-checks it under the request's row lock.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.choices import GrantSource, RequestStatus
from access.models import AccessRequest, Grant, Role, System
from access.queries.requests import (
    MANAGER_STEP,
    approval_steps,
    may_withdraw,
    over_privileged_limit,
    requests_with_people,
    step_for_approver,
)
from access.services.grants import grant_create
from dpms import audit
from dpms.formats import show_date
from dpms.models import User
from dpms.notify import Text, notify_each_once

MAX_REQUEST_DAYS = 365


def person_timezone(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def end_of_day(day: datetime.date, user) -> datetime.datetime:
    """The last second of ``day`` in the person's time zone, in UTC: temporary access lasts the whole day."""
    local = datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=person_timezone(user))
    return local.astimezone(datetime.UTC)


def _already(request: AccessRequest) -> str:
    already: dict[str, str] = {
        RequestStatus.APPROVED: _("This request is already approved."),
        RequestStatus.REJECTED: _("This request is already rejected."),
        RequestStatus.WITHDRAWN: _("This request is already withdrawn."),
    }
    return already.get(request.status, _("This request is no longer pending."))


def _link(request: AccessRequest) -> str:
    return reverse("access:request_detail", args=[request.pk])


def _tell(request: AccessRequest, people, subject: Text, body: Text, occasion: str) -> None:
    """Tell each active person in ``people`` once per request and occasion (the key ends in their id)."""
    notify_each_once(
        people,
        subject=subject,
        body=body,
        link=_link(request),
        dedup_key=f"access-request:{request.pk}:{occasion}",
    )


def _tell_next_approvers(request: AccessRequest, officer_ids: frozenset[int], occasion: str) -> None:
    pending = [step for step in approval_steps(request, officer_ids) if not step.done]
    if not pending:
        return
    ids: set[int] = set().union(*(step.approver_ids for step in pending))
    _tell(
        request,
        User.objects.filter(pk__in=ids, is_active=True).order_by("pk"),
        format_lazy(gettext_lazy("Access request waiting for your approval: {role}"), role=str(request.role)),
        format_lazy(
            gettext_lazy("{requester} asks for {role} for {person}.\nJustification: {justification}"),
            requester=str(request.requested_by),
            role=str(request.role),
            person=str(request.requested_for),
            justification=request.justification,
        ),
        f"await-{occasion}",
    )


@transaction.atomic
def request_create(
    *, actor, requested_for, role: Role, justification: str, end_date: datetime.date | None = None
) -> AccessRequest:
    """Ask for ``role`` for oneself, or (a manager) for a direct report."""
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Say why the access is needed.")})
    if requested_for.pk != actor.pk and requested_for.manager_id != actor.pk:
        raise ValidationError(
            {"requested_for": _("You can ask for yourself or for one of your direct reports.")}
        )
    if not requested_for.is_active:
        raise ValidationError({"requested_for": _("This person is deactivated.")})
    if end_date is not None:
        today = timezone.now().astimezone(person_timezone(requested_for)).date()
        if end_date <= today:
            raise ValidationError({"end_date": _("The end date must be in the future.")})
        if end_date > today + datetime.timedelta(days=MAX_REQUEST_DAYS):
            raise ValidationError(
                {"end_date": _("Temporary access lasts at most %(days)d days.") % {"days": MAX_REQUEST_DAYS}}
            )
    if Grant.objects.active().filter(user=requested_for, role=role).exists():
        raise ValidationError(
            _("%(person)s already holds %(role)s.") % {"person": requested_for, "role": role}
        )
    # Lock the person's row: two submits at once must not both pass the duplicate check below.
    User.objects.select_for_update().filter(pk=requested_for.pk).first()
    if AccessRequest.objects.filter(
        requested_for=requested_for, role=role, status=RequestStatus.PENDING
    ).exists():
        raise ValidationError(
            _("A request for %(role)s for %(person)s is already waiting for approval.")
            % {"role": role, "person": requested_for}
        )
    request = AccessRequest.objects.create(
        requested_by=actor,
        requested_for=requested_for,
        role=role,
        justification=justification,
        end_date=end_date,
    )
    audit.record(
        action="access.request.create",
        actor=actor,
        obj=request,
        changes={
            "requested_for": requested_for.email,
            "system": role.system.name,
            "role": role.name,
            "privileged": role.privileged,
            "justification": justification,
            "end_date": end_date,
        },
    )
    request = requests_with_people().get(pk=request.pk)
    officer_ids = frozenset(User.objects.security_officers().values_list("pk", flat=True))
    _tell_next_approvers(request, officer_ids, "created")
    if requested_for.pk != actor.pk:
        _tell(
            request,
            [requested_for],
            format_lazy(gettext_lazy("{actor} asked for {role} for you"), actor=str(actor), role=str(role)),
            format_lazy(gettext_lazy("Justification: {justification}"), justification=justification),
            "created",
        )
    return request


def _locked(request: AccessRequest) -> AccessRequest:
    # Lock the request row: two approvers (or an approver and a withdraw) clicking at once are serialised,
    # so exactly one grant is created and a decided request is never decided again.
    AccessRequest.objects.select_for_update().filter(pk=request.pk).first()
    return requests_with_people().get(pk=request.pk)


@transaction.atomic
def request_approve(
    *, actor, request: AccessRequest, confirm_over_limit: bool = False, now=None
) -> AccessRequest:
    """Give one approval; when every required approval is in, create the grant. Approving a privileged role
    on a system with no privileged headroom left requires ``confirm_over_limit``."""
    now = now or timezone.now()
    request = _locked(request)
    if request.status != RequestStatus.PENDING:
        raise ValidationError(_already(request))
    if actor.pk in (request.requested_by_id, request.requested_for_id):
        raise PermissionDenied(_("Nobody approves their own request or a request for themselves."))
    officer_ids = frozenset(User.objects.security_officers().values_list("pk", flat=True))
    step = step_for_approver(request, actor, officer_ids)
    if step is None:
        raise PermissionDenied(_("You are not an approver of this request."))
    if request.role.privileged:
        # Lock the system: two privileged requests approved at once must not both see the last free seat.
        System.objects.select_for_update().filter(pk=request.role.system_id).first()
    if over_privileged_limit(request) and not confirm_over_limit:
        raise ValidationError(
            {
                "confirm_over_limit": _(
                    "%(system)s already has its maximum of %(max)s privileged holders; "
                    "confirm to approve anyway."
                )
                % {"system": request.role.system, "max": request.role.system.max_privileged}
            }
        )
    if step.name == MANAGER_STEP:
        request.manager_approved_by, request.manager_approved_at = actor, now
    else:
        request.owner_approved_by, request.owner_approved_at = actor, now
    complete = all(s.done or s.name == step.name for s in approval_steps(request, officer_ids))
    changes = {"step": step.name, "fallback": step.fallback, "over_limit_confirmed": bool(confirm_over_limit)}
    if complete:
        request.status = RequestStatus.APPROVED
        request.grant = grant_create(
            actor=actor,
            user=request.requested_for,
            role=request.role,
            justification=request.justification,
            expires_at=end_of_day(request.end_date, request.requested_for) if request.end_date else None,
            source=GrantSource.REQUEST,
        )
        changes["status"] = [RequestStatus.PENDING, RequestStatus.APPROVED]
        changes["grant"] = request.grant.pk
    request.save()
    audit.record(action="access.request.approve", actor=actor, obj=request, changes=changes)
    if complete:
        _tell(
            request,
            [request.requested_by, request.requested_for],
            format_lazy(gettext_lazy("Access request approved: {role}"), role=str(request.role)),
            format_lazy(
                gettext_lazy("{person} now holds {role} until {date}."),
                person=str(request.requested_for),
                role=str(request.role),
                date=show_date(request.end_date),
            )
            if request.end_date
            else format_lazy(
                gettext_lazy("{person} now holds {role}."),
                person=str(request.requested_for),
                role=str(request.role),
            ),
            "approved",
        )
    else:
        _tell_next_approvers(request, officer_ids, f"after-{step.name}")
    return request


@transaction.atomic
def request_reject(*, actor, request: AccessRequest, reason: str, now=None) -> AccessRequest:
    """Refuse a request; a reason is required, and both sides are told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the request is rejected.")})
    request = _locked(request)
    if request.status != RequestStatus.PENDING:
        raise ValidationError(_already(request))
    officer_ids = frozenset(User.objects.security_officers().values_list("pk", flat=True))
    if step_for_approver(request, actor, officer_ids) is None:
        raise PermissionDenied(_("You are not an approver of this request."))
    request.status = RequestStatus.REJECTED
    request.rejected_by, request.rejected_at, request.rejection_reason = actor, now or timezone.now(), reason
    request.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
    audit.record(
        action="access.request.reject",
        actor=actor,
        obj=request,
        changes={"status": [RequestStatus.PENDING, RequestStatus.REJECTED], "reason": reason},
    )
    _tell(
        request,
        [request.requested_by, request.requested_for],
        format_lazy(gettext_lazy("Access request rejected: {role}"), role=str(request.role)),
        format_lazy(gettext_lazy("{actor} rejected the request: {reason}"), actor=str(actor), reason=reason),
        "rejected",
    )
    return request


@transaction.atomic
def request_withdraw(*, actor, request: AccessRequest) -> AccessRequest:
    """The requester takes back a pending request."""
    request = _locked(request)
    if not may_withdraw(actor, request):
        raise PermissionDenied(_("Only the requester can withdraw a request."))
    if request.status != RequestStatus.PENDING:
        raise ValidationError(_already(request))
    request.status = RequestStatus.WITHDRAWN
    request.save(update_fields=["status"])
    audit.record(
        action="access.request.withdraw",
        actor=actor,
        obj=request,
        changes={"status": [RequestStatus.PENDING, RequestStatus.WITHDRAWN]},
    )
    if request.requested_for_id != actor.pk:
        _tell(
            request,
            [request.requested_for],
            format_lazy(gettext_lazy("Access request withdrawn: {role}"), role=str(request.role)),
            "",
            "withdrawn",
        )
    return request
