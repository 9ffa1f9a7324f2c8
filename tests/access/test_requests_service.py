"""Access requests at the service level: who may approve, what approval creates, and what is refused."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access.choices import GrantSource, RequestStatus
from access.models import AccessRequest, Grant
from access.services.requests import (
    request_approve,
    request_create,
    request_reject,
    request_withdraw,
)
from dpms.models import AuditEvent, Notification
from tests.access.factories import GrantFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(email="owen.owner@example.com", full_name="Owen Owner")


@pytest.fixture
def role(owner):
    return RoleFactory(system=SystemFactory(name="Payroll", owner=owner), name="Reader")


@pytest.fixture
def admin_role(owner):
    return RoleFactory(
        system=SystemFactory(name="Ledger", owner=owner, max_privileged=3), name="Admin", privileged=True
    )


def ask(actor, role, *, requested_for=None, end_date=None):
    return request_create(
        actor=actor,
        requested_for=requested_for or actor,
        role=role,
        justification="Month-end close",
        end_date=end_date,
    )


def subjects_for(person):
    return list(Notification.objects.filter(recipient=person).values_list("subject", flat=True))


def test_manager_approval_creates_the_grant_and_tells_the_requester(staff, manager, role):
    request = ask(staff, role)
    assert any("waiting for your approval" in s for s in subjects_for(manager))
    request = request_approve(actor=manager, request=request)
    assert request.status == RequestStatus.APPROVED
    grant = Grant.objects.get(user=staff, role=role, revoked_at__isnull=True)
    assert request.grant == grant
    assert grant.source == GrantSource.REQUEST
    assert grant.expires_at is None
    assert grant.justification == "Month-end close"
    assert any("approved" in s for s in subjects_for(staff))
    assert AuditEvent.objects.filter(action="access.request.approve", object_id=str(request.pk)).exists()


def test_non_privileged_role_needs_only_the_manager_so_the_owner_is_no_approver(staff, owner, role):
    request = ask(staff, role)
    with pytest.raises(PermissionDenied):
        request_approve(actor=owner, request=request)
    assert not Grant.objects.exists()


def test_nobody_approves_a_request_for_themselves(staff, role):
    request = ask(staff, role)
    with pytest.raises(PermissionDenied, match="their own request"):
        request_approve(actor=staff, request=request)
    assert AccessRequest.objects.get().status == RequestStatus.PENDING


def test_a_manager_asking_for_a_report_cannot_approve_it_a_security_officer_does(
    staff, manager, security_officer, role
):
    request = ask(manager, role, requested_for=staff)
    with pytest.raises(PermissionDenied):
        request_approve(actor=manager, request=request)
    # The manager has no manager of their own: the security officers approve instead.
    assert request_approve(actor=security_officer, request=request).status == RequestStatus.APPROVED
    assert Grant.objects.filter(user=staff, role=role).count() == 1


def test_a_manager_asking_for_a_report_is_approved_by_their_own_manager(
    staff, manager, security_officer, role
):
    director = UserFactory(full_name="Dora Director")
    manager.manager = director
    manager.save()
    request = ask(manager, role, requested_for=staff)
    with pytest.raises(PermissionDenied):
        request_approve(
            actor=security_officer, request=request
        )  # there is a legitimate approver: no fallback
    assert request_approve(actor=director, request=request).status == RequestStatus.APPROVED


def test_a_security_officer_asking_for_themselves_needs_another_officer(security_officer, role):
    request = ask(security_officer, role)
    with pytest.raises(PermissionDenied):
        request_approve(actor=security_officer, request=request)
    other_officer = UserFactory(roles=["security officer"])
    assert request_approve(actor=other_officer, request=request).status == RequestStatus.APPROVED


@pytest.mark.parametrize("order", ["manager first", "owner first"])
def test_privileged_role_needs_manager_and_owner_then_creates_one_grant(
    staff, manager, owner, admin_role, order
):
    request = ask(staff, admin_role)
    first, second = (manager, owner) if order == "manager first" else (owner, manager)
    request = request_approve(actor=first, request=request)
    assert request.status == RequestStatus.PENDING
    assert not Grant.objects.exists()
    with pytest.raises(PermissionDenied):
        request_approve(actor=first, request=request)  # one person gives one approval
    request = request_approve(actor=second, request=request)
    assert request.status == RequestStatus.APPROVED
    assert Grant.objects.filter(user=staff, role=admin_role).count() == 1
    assert request.manager_approved_by == manager
    assert request.owner_approved_by == owner


def test_when_the_manager_owns_the_system_a_security_officer_gives_the_second_approval(
    staff, manager, security_officer
):
    role = RoleFactory(system=SystemFactory(owner=manager), privileged=True)
    request = request_approve(actor=manager, request=ask(staff, role))
    assert request.status == RequestStatus.PENDING
    with pytest.raises(PermissionDenied):
        request_approve(actor=manager, request=request)
    assert request_approve(actor=security_officer, request=request).status == RequestStatus.APPROVED


def test_approving_over_the_privileged_maximum_needs_confirmation(staff, manager, owner, admin_role):
    admin_role.system.max_privileged = 1
    admin_role.system.save()
    GrantFactory(role=admin_role)
    request = request_approve(actor=manager, request=ask(staff, admin_role), confirm_over_limit=True)
    with pytest.raises(ValidationError, match="maximum of 1 privileged"):
        request_approve(actor=owner, request=request)
    assert not Grant.objects.filter(user=staff).exists()
    assert (
        request_approve(actor=owner, request=request, confirm_over_limit=True).status
        == RequestStatus.APPROVED
    )


def test_rejection_needs_a_reason_and_tells_both_sides(staff, manager, security_officer, role):
    request = ask(manager, role, requested_for=staff)
    with pytest.raises(ValidationError, match="Say why"):
        request_reject(actor=security_officer, request=request, reason="  ")
    request = request_reject(actor=security_officer, request=request, reason="Use the shared report instead.")
    assert request.status == RequestStatus.REJECTED
    assert request.rejection_reason == "Use the shared report instead."
    assert "Access request rejected: Payroll · Reader" in subjects_for(manager)
    assert "Access request rejected: Payroll · Reader" in subjects_for(staff)
    assert not Grant.objects.exists()
    with pytest.raises(ValidationError, match="already rejected"):
        request_approve(actor=security_officer, request=request)


def test_a_role_already_held_or_already_requested_is_refused(staff, second_report, role):
    GrantFactory(user=staff, role=role)
    with pytest.raises(ValidationError, match="already holds"):
        ask(staff, role)
    ask(second_report, role)
    with pytest.raises(ValidationError, match="already waiting for approval"):
        ask(second_report, role)
    assert AccessRequest.objects.count() == 1


def test_justification_is_required_and_only_self_or_a_report_can_be_asked_for(staff, manager, outsider, role):
    with pytest.raises(ValidationError, match="why the access is needed"):
        request_create(actor=staff, requested_for=staff, role=role, justification=" ")
    with pytest.raises(ValidationError, match="direct reports"):
        ask(staff, role, requested_for=manager)
    with pytest.raises(ValidationError, match="direct reports"):
        ask(manager, role, requested_for=outsider)


def test_end_date_must_be_in_the_future_and_within_a_year(staff, role):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="in the future"):
        ask(staff, role, end_date=today)
    with pytest.raises(ValidationError, match="at most 365 days"):
        ask(staff, role, end_date=today + datetime.timedelta(days=400))


def test_the_grant_ends_at_the_end_of_the_end_date_in_the_persons_time_zone(staff, manager, role):
    staff.time_zone = "America/New_York"
    staff.save()
    end = timezone.localdate() + datetime.timedelta(days=10)
    request = request_approve(actor=manager, request=ask(staff, role, end_date=end))
    expires = request.grant.expires_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert (expires.date(), expires.hour, expires.minute) == (end, 23, 59)


def test_only_the_requester_withdraws_a_pending_request(staff, manager, role):
    request = ask(staff, role)
    with pytest.raises(PermissionDenied):
        request_withdraw(actor=manager, request=request)
    assert request_withdraw(actor=staff, request=request).status == RequestStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="already withdrawn"):
        request_approve(actor=manager, request=request)
    assert AuditEvent.objects.filter(action="access.request.withdraw").count() == 1
