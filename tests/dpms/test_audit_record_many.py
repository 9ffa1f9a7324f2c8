"""dpms.audit.record_many: a batch of events in one lock of the chain head, making the chain that ``record``
called once per event makes, so verify_audit checks it the same way."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from dpms import audit
from dpms.context import origin
from dpms.models import AuditChainHead, AuditEvent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIELDS = ("sequence", "occurred_at", "actor_id", "actor_label", "action", "object_type", "object_id",
          "object_label", "changes", "source", "request_id", "client_ip", "prev_hash", "hash")  # fmt: skip


def entries(people):
    return [
        {"action": "access.grant.create", "actor": people[0], "obj": person, "changes": {"role": [None, n]}}
        for n, person in enumerate(people)
    ]


class Rollback(Exception):
    pass


def test_the_batch_makes_the_same_chain_as_one_call_per_event(monkeypatch):
    people = UserFactory.create_batch(3)
    audit.record(action="dpms.seed", object_type="demo")  # the chain does not start empty
    moment = timezone.now().replace(microsecond=123456)
    monkeypatch.setattr(audit.timezone, "now", lambda: moment)

    def chain():
        return list(
            AuditEvent.objects.filter(action="access.grant.create").order_by("sequence").values(*FIELDS)
        )

    with origin("task", request_id="req-batch-0001"):
        try:
            with transaction.atomic():
                for entry in entries(people):
                    audit.record(**entry)
                one_by_one = chain()
                raise Rollback
        except Rollback:
            pass
        assert audit.record_many(entries(people)) == 3
    assert chain() == one_by_one
    assert [event["sequence"] for event in one_by_one] == [2, 3, 4]
    assert AuditChainHead.objects.get().hash == one_by_one[-1]["hash"]


def test_verify_passes_over_events_written_one_by_one_and_in_batches():
    people = UserFactory.create_batch(5)
    audit.record(action="dpms.seed", object_type="demo")
    audit.record_many(entries(people), batch_size=2)  # several inserts, one lock
    audit.record(action="dpms.seed", object_type="demo")
    audit.record_many([])  # nothing to write: nothing written, the head untouched
    result = audit.verify()
    assert result.ok, result.reason
    assert result.checked == AuditEvent.objects.count() == 7


def test_a_batch_in_a_rolled_back_transaction_leaves_no_trace(monkeypatch):
    audit.record(action="dpms.seed", object_type="demo")
    head = AuditChainHead.objects.values_list("sequence", "hash").get()
    people = UserFactory.create_batch(2)

    def batch_then_fail():
        with transaction.atomic():
            audit.record_many(entries(people))
            raise Rollback

    with pytest.raises(Rollback):
        batch_then_fail()
    assert AuditChainHead.objects.values_list("sequence", "hash").get() == head
    event = audit.record(action="dpms.seed", object_type="demo")
    assert event.sequence == head[0] + 1  # no gap
    assert audit.verify().ok


def test_the_batchs_events_carry_their_own_actor_object_and_changes(staff, manager):
    written_at = timezone.now() - datetime.timedelta(seconds=1)
    audit.record_many(
        [{"action": "access.grant.revoke", "actor": manager, "obj": staff, "changes": {"a": 1}}]
    )
    event = AuditEvent.objects.get(action="access.grant.revoke")
    assert event.actor_label == "Mona Manager <mona.manager@example.com>"
    assert (event.object_type, event.object_id, event.object_label) == (
        "dpms.user",
        str(staff.pk),
        "Sam Staff",
    )
    assert event.changes == {"a": 1}
    assert event.occurred_at >= written_at


def test_awkward_text_is_written_and_hashed_as_record_would(monkeypatch):
    """The batch writes its rows itself (COPY on PostgreSQL) and builds the hashed text from parts: quotes,
    backslashes, tabs, line breaks, non-ASCII text, nested changes, no actor and an address all come back
    as given, and each stored event hashes to what ``record`` would have hashed."""
    person = UserFactory(full_name='Zoë "Q" O\\Brien')
    awkward = 'tab\there\nnew line\r\\back \\N slash "quoted" ünïcødé ✓'
    entries_ = [
        {
            "action": "test.awkward",
            "actor": person,
            "object_type": "test.thing",
            "object_id": 7,
            "object_label": awkward,
            "changes": {"note": [None, awkward], "nested": {"list": [1, 2.5, None, True]}, "z": "\\N"},
            "client_ip": "2001:db8::1",
        },
        {"action": "test.awkward", "object_type": "", "object_label": "", "changes": {}},
    ]
    with origin("task", request_id="req\tawkward\\1"):
        assert audit.record_many(entries_) == 2
    stored = list(AuditEvent.objects.filter(action="test.awkward").order_by("sequence"))
    assert [event.object_label for event in stored] == [awkward, ""]
    assert stored[0].changes == {
        "note": [None, awkward],
        "nested": {"list": [1, 2.5, None, True]},
        "z": "\\N",
    }
    assert stored[0].actor_label == f"{person.full_name} <{person.email}>"
    assert (stored[0].client_ip, stored[1].actor_id, stored[0].request_id) == (
        "2001:db8::1",
        None,
        "req\tawkward\\1",
    )
    assert [audit.compute_hash(event) for event in stored] == [event.hash for event in stored]
    assert audit.verify().ok


@pytest.mark.postgres
def test_settling_checks_a_bulk_writers_foreign_keys_before_the_chain_is_locked(requires_postgres):
    """PostgreSQL checks foreign keys at the commit, which for a bulk writer would run with the chain's head
    locked: settled first, a broken reference fails before any event is appended, and what is written after
    is deferred again (checked at the next settling or the commit)."""
    person = UserFactory()
    before = AuditChainHead.objects.values_list("sequence", flat=True).first()
    steps = []

    def import_with_a_broken_reference():
        with transaction.atomic():
            User.objects.filter(pk=person.pk).update(manager_id=10**9)  # no such manager
            audit.settle_deferred_checks()
            audit.record_many(entries([person]))

    def write_after_settling():
        with transaction.atomic():
            audit.settle_deferred_checks()
            User.objects.filter(pk=person.pk).update(manager_id=10**9)
            steps.append("written")  # not refused at once: deferred again
            audit.settle_deferred_checks()

    with pytest.raises(IntegrityError):
        import_with_a_broken_reference()
    assert AuditChainHead.objects.values_list("sequence", flat=True).first() == before
    with pytest.raises(IntegrityError):
        write_after_settling()
    assert steps == ["written"]
