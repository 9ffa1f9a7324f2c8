"""Two people acting on one incident at once (real row locks: PostgreSQL): the first wins, the second is told
what happened; nothing is recorded twice."""

import pytest
from django.core.exceptions import ValidationError

from incidents.choices import EventKind, Status
from incidents.services.workflow import incident_acknowledge, incident_dismiss, incident_triage
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 6


def run_together(actions) -> tuple[list, list]:
    outcomes = at_once(*actions, expect=ValidationError)
    results = [outcome for outcome in outcomes if not isinstance(outcome, ValidationError)]
    refusals = [" ".join(outcome.messages) for outcome in outcomes if isinstance(outcome, ValidationError)]
    return results, refusals


def test_concurrent_acknowledgements_record_one(requires_postgres, staff):
    officers = [UserFactory(roles=["security officer"]) for _ in range(THREADS)]
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=officers[0])
    results, refusals = run_together(
        [
            lambda officer=officer: incident_acknowledge(actor=officer, incident=incident)
            for officer in officers
        ]
    )
    assert len(results) == 1
    assert len(refusals) == THREADS - 1
    assert all(refusal.startswith("Already acknowledged by") for refusal in refusals)
    assert incident.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1


def test_two_dismissals_at_once_record_one(requires_postgres, staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    results, refusals = run_together(
        [
            lambda: incident_dismiss(actor=security_officer, incident=incident, reason="Spam"),
            lambda: incident_dismiss(actor=security_officer, incident=incident, reason="Spam again"),
        ]
    )
    assert len(results) == 1
    assert refusals == [
        "Only a reported or triaged incident is dismissed; " + incident.reference + " is dismissed."
    ]
    incident.refresh_from_db()
    assert incident.status == Status.DISMISSED
    with pytest.raises(ValidationError):
        incident_triage(actor=security_officer, incident=incident, severity=2, handler=security_officer)
