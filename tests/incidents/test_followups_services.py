"""Follow-up actions: responders add them, owners and responders set their status, owners are told."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent, Notification
from incidents.choices import ActionStatus, Status
from incidents.queries.visibility import can_see
from incidents.services.followups import followup_create, followup_set_status, site_today
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


def create(actor, incident, owner, days=7, title="Rotate keys"):
    return followup_create(
        actor=actor,
        incident=incident,
        title=title,
        owner=owner,
        due_on=site_today() + datetime.timedelta(days=days),
    )


def test_an_officer_adds_an_action_and_the_owner_is_told_and_added(staff, security_officer, outsider):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    action = create(security_officer, incident, outsider)
    assert action.status == ActionStatus.OPEN
    assert can_see(outsider, incident)  # the owner may open the incident to report progress
    assert Notification.objects.filter(
        recipient=outsider, subject="Follow-up action for you: Rotate keys"
    ).exists()
    assert AuditEvent.objects.filter(action="incident.followup.create").exists()


def test_a_handler_who_is_no_officer_cannot_give_it_to_someone_who_cannot_see_it(staff, manager, outsider):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=manager)
    with pytest.raises(ValidationError) as refused:
        create(manager, incident, outsider)
    assert "owner" in refused.value.message_dict
    assert create(manager, incident, staff).owner == staff  # the reporter sees it already


def test_title_owner_and_a_due_date_not_in_the_past_are_required(staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    with pytest.raises(ValidationError) as refused:
        followup_create(
            actor=security_officer, incident=incident, title=" ", owner=None,
            due_on=site_today() - datetime.timedelta(days=1),
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"title", "owner", "due_on"}


def test_the_reporter_and_auditors_do_not_add_actions(staff, security_officer, auditor):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    for person in (staff, auditor):
        with pytest.raises(PermissionDenied):
            create(person, incident, security_officer)


def test_the_owner_and_responders_set_the_status_others_do_not(staff, security_officer, manager, auditor):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    action = create(security_officer, incident, manager)
    done = followup_set_status(actor=manager, action=action, status=ActionStatus.DONE)
    assert done.completed_at is not None
    reopened = followup_set_status(actor=security_officer, action=action, status=ActionStatus.OPEN)
    assert reopened.completed_at is None
    for person in (staff, auditor):
        with pytest.raises(PermissionDenied):
            followup_set_status(actor=person, action=action, status=ActionStatus.CANCELLED)
    with pytest.raises(ValidationError):
        followup_set_status(actor=manager, action=action, status="finished")
