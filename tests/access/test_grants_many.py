"""Many grants at once (an import): the same checks as one grant_create each, one audit event per grant,
and all or nothing."""

import pytest
from django.core.exceptions import ValidationError

from access.models import Grant
from access.services.grants import grant_create, grants_create_many
from dpms import audit
from dpms.models import AuditEvent
from tests.access.factories import RoleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def specs(people, role):
    return [
        {"user": person, "role": role, "justification": "needed", "source": "import"} for person in people
    ]


def test_each_grant_gets_the_audit_event_grant_create_writes(security_officer):
    role = RoleFactory()
    people = UserFactory.create_batch(3)
    one = grant_create(
        actor=security_officer, user=UserFactory(), role=role, justification="needed", source="import"
    )
    created = grants_create_many(actor=security_officer, grants=specs(people, role))
    events = {event.object_id: event for event in AuditEvent.objects.filter(action="access.grant.create")}
    assert sorted(int(pk) for pk in events) == sorted([one.pk, *(grant.pk for grant in created)])
    single, batched = events[str(one.pk)], events[str(created[0].pk)]
    assert set(batched.changes["created"]) == set(single.changes["created"])
    assert batched.changes["created"]["user"] == people[0].email
    assert batched.actor_id == security_officer.pk
    assert audit.verify().ok


def test_one_refused_grant_refuses_them_all(security_officer):
    role = RoleFactory()
    people = [UserFactory(), UserFactory(is_active=False), UserFactory()]
    with pytest.raises(ValidationError, match="deactivated person"):
        grants_create_many(actor=security_officer, grants=specs(people, role))
    assert not Grant.objects.exists()
    assert not AuditEvent.objects.filter(action="access.grant.create").exists()


def test_a_role_someone_holds_already_refuses_the_batch(security_officer):
    role, person = RoleFactory(), UserFactory()
    grant_create(actor=security_officer, user=person, role=role, justification="needed")
    with pytest.raises(ValidationError, match=f"{person} already holds {role}") as refused:
        grants_create_many(actor=security_officer, grants=specs([UserFactory(), person], role))
    assert refused.value.index == 1  # which of the grants, for an import to name its row
    assert Grant.objects.count() == 1


def test_a_caller_with_more_to_write_takes_the_events_and_records_them_last(security_officer):
    """An import passes ``events``: nothing is recorded (the audit chain's head is not locked yet), and the
    entries it gets are the ones grants_create_many would have recorded."""
    role, people = RoleFactory(), UserFactory.create_batch(2)
    events: list[dict] = []

    created = grants_create_many(actor=security_officer, grants=specs(people, role), events=events)

    assert not AuditEvent.objects.exists()
    assert [(event["action"], event["obj"]) for event in events] == [
        ("access.grant.create", g) for g in created
    ]
    audit.record_many(events)
    assert AuditEvent.objects.filter(action="access.grant.create").count() == 2
    assert audit.verify().ok
