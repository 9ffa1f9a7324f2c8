"""Approvers clicking at once on PostgreSQL: the request's row lock makes exactly one grant."""

import pytest
from django.core.exceptions import ValidationError

from access.choices import RequestStatus
from access.models import AccessRequest, Grant
from access.services.requests import request_approve, request_create
from tests.access.factories import RoleFactory, SystemFactory
from tests.concurrency import at_once
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")


def run_together(actions):
    """Run each action in its own thread and connection, released at the same moment."""
    return [
        " ".join(outcome.messages) if isinstance(outcome, ValidationError) else "approved"
        for outcome in at_once(*actions, expect=ValidationError)
    ]


def test_security_officers_approving_at_once_create_exactly_one_grant(staff, manager):
    officers = [UserFactory(roles=["security officer"]) for _ in range(4)]
    role = RoleFactory(system=SystemFactory())
    request = request_create(actor=manager, requested_for=staff, role=role, justification="Cover")
    outcomes = run_together([lambda o=o: request_approve(actor=o, request=request) for o in officers])
    assert sorted(outcomes) == ["This request is already approved."] * 3 + ["approved"]
    assert Grant.objects.filter(user=staff, role=role).count() == 1


def test_manager_and_owner_approving_at_once_both_count_and_make_one_grant(staff, manager):
    owner = UserFactory()
    role = RoleFactory(system=SystemFactory(owner=owner), privileged=True)
    request = request_create(actor=staff, requested_for=staff, role=role, justification="On call")
    outcomes = run_together([lambda p=p: request_approve(actor=p, request=request) for p in (manager, owner)])
    assert outcomes == ["approved", "approved"]
    request = AccessRequest.objects.get()
    assert request.status == RequestStatus.APPROVED
    assert (request.manager_approved_by, request.owner_approved_by) == (manager, owner)
    assert Grant.objects.filter(user=staff, role=role).count() == 1
