"""The workflow on the server: which moves are allowed, going back needs a reason, the times of the path."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent, Notification
from incidents.choices import Status
from incidents.services.workflow import incident_transition
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db

S = Status

ALLOWED = [
    (S.TRIAGED, S.INVESTIGATING, ""),
    (S.TRIAGED, S.CONTAINED, ""),
    (S.TRIAGED, S.RESOLVED, ""),
    (S.INVESTIGATING, S.CONTAINED, ""),
    (S.INVESTIGATING, S.RESOLVED, ""),
    (S.CONTAINED, S.RESOLVED, ""),
    (S.CONTAINED, S.INVESTIGATING, "The attacker is still in"),
    (S.RESOLVED, S.CONTAINED, "It came back"),
    (S.RESOLVED, S.TRIAGED, "Wrong handler path"),
    (S.CLOSED, S.RESOLVED, "New facts"),
    (S.DISMISSED, S.REPORTED, "It was real after all"),
]

REFUSED = [
    (S.REPORTED, S.INVESTIGATING, "triage"),
    (S.REPORTED, S.TRIAGED, "triage"),
    (S.REPORTED, S.DISMISSED, "dismiss"),
    (S.TRIAGED, S.DISMISSED, "dismiss"),
    (S.TRIAGED, S.CLOSED, "investigating"),
    (S.RESOLVED, S.CLOSED, "close"),
    (S.INVESTIGATING, S.DISMISSED, "contained"),
    (S.INVESTIGATING, S.REPORTED, "contained"),
    (S.CLOSED, S.REPORTED, "resolved"),
    (S.DISMISSED, S.TRIAGED, "reported"),
    (S.CONTAINED, S.CONTAINED, "already"),
]


@pytest.mark.parametrize(("start", "to", "reason"), ALLOWED)
def test_allowed_moves(start, to, reason, staff, security_officer):
    incident = incident_at(start, reporter=staff, handler=security_officer)
    moved = incident_transition(actor=security_officer, incident=incident, to=to, reason=reason)
    moved.refresh_from_db()
    assert moved.status == to
    assert moved.events.filter(kind="status", internal=False).exists()  # the reporter follows it
    action = "incident.reopen" if start in (S.CLOSED, S.DISMISSED) else "incident.transition"
    assert AuditEvent.objects.filter(action=action, object_id=str(incident.pk)).exists()


@pytest.mark.parametrize(("start", "to", "named"), REFUSED)
def test_refused_moves_name_what_is_allowed(start, to, named, staff, security_officer):
    incident = incident_at(start, reporter=staff, handler=security_officer)
    with pytest.raises(ValidationError) as refused:
        incident_transition(actor=security_officer, incident=incident, to=to, reason="Because")
    assert named in " ".join(refused.value.messages).lower()
    incident.refresh_from_db()
    assert incident.status == start


@pytest.mark.parametrize(
    ("start", "to"), [(S.CONTAINED, S.INVESTIGATING), (S.CLOSED, S.RESOLVED), (S.DISMISSED, S.REPORTED)]
)
def test_going_back_needs_a_reason(start, to, staff, security_officer):
    incident = incident_at(start, reporter=staff, handler=security_officer)
    with pytest.raises(ValidationError) as refused:
        incident_transition(actor=security_officer, incident=incident, to=to, reason="  ")
    assert refused.value.message_dict == {"reason": ["Going back needs a reason."]}


def test_refusal_lists_the_allowed_next_statuses(staff, security_officer):
    incident = incident_at(S.INVESTIGATING, reporter=staff, handler=security_officer)
    with pytest.raises(ValidationError, match="may move to contained, resolved, triaged"):
        incident_transition(actor=security_officer, incident=incident, to=S.CLOSED)


def test_contained_and_resolved_times_are_kept_forward_and_forgotten_going_back(staff, security_officer):
    incident = incident_at(S.TRIAGED, reporter=staff, handler=security_officer)
    incident = incident_transition(actor=security_officer, incident=incident, to=S.RESOLVED)
    assert incident.contained_at is not None  # skipping "contained" still records containment
    first_resolved = incident.resolved_at
    incident = incident_transition(actor=security_officer, incident=incident, to=S.CONTAINED, reason="Again")
    assert incident.resolved_at is None
    assert incident.contained_at is not None
    incident = incident_transition(actor=security_officer, incident=incident, to=S.RESOLVED)
    assert incident.resolved_at >= first_resolved


def test_reopening_a_dismissed_incident_clears_the_dismissal(staff, security_officer):
    incident = incident_at(S.DISMISSED, reporter=staff, handler=security_officer)
    incident = incident_transition(actor=security_officer, incident=incident, to=S.REPORTED, reason="Real")
    assert (incident.dismissed_at, incident.dismissal_reason) == (None, "")
    assert incident.events.get(kind="status").text == "Reopened: Dismissed → Reported. Reason: Real"


def test_the_reporter_is_told_of_each_status_change(staff, security_officer):
    incident = incident_at(S.TRIAGED, reporter=staff, handler=security_officer)
    incident_transition(actor=security_officer, incident=incident, to=S.INVESTIGATING)
    incident_transition(actor=security_officer, incident=incident, to=S.CONTAINED)
    subjects = list(
        Notification.objects.filter(recipient=staff).order_by("pk").values_list("subject", flat=True)
    )
    assert subjects == [f"{incident.reference} is investigating", f"{incident.reference} is contained"]


def test_only_responders_move_an_incident(staff, security_officer, auditor, outsider):
    incident = incident_at(S.TRIAGED, reporter=staff, handler=security_officer)
    for person in (staff, auditor, outsider):
        with pytest.raises(PermissionDenied):
            incident_transition(actor=person, incident=incident, to=S.INVESTIGATING)


def test_a_handler_who_is_not_a_security_officer_moves_it(staff, manager):
    incident = incident_at(S.TRIAGED, reporter=staff, handler=manager)
    assert incident_transition(actor=manager, incident=incident, to=S.INVESTIGATING).status == S.INVESTIGATING
