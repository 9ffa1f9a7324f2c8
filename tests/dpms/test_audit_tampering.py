"""Every way of tampering with the audit trail from inside the database is found by ``verify_audit`` with the
signed checkpoints kept outside it (``--checkpoints``), including those the hash chain alone misses.

The tamperer here is the strongest one the database allows: the tables' owner, who switches the triggers off
(tests/audit_guard.py) and recomputes every hash after the row they change, so that the chain itself still
fits (each test shows ``audit.verify()`` without checkpoints saying OK where it does). What they cannot do is
sign a checkpoint: the key is not in the database.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from dpms import audit, integrity
from dpms.models import AuditChainHead, AuditEvent
from tests.audit_guard import audit_maintenance, guard_lifted
from tests.factories import audit_event

pytestmark = pytest.mark.django_db

KEY = "test-checkpoint-key-" + "k" * 40


@pytest.fixture
def chain(settings, tmp_path):
    """Six genuine events, #1..#6, and a signed checkpoint of #6 written the way beat's task writes it."""
    settings.AUDIT_CHECKPOINT_KEY = KEY
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    events = [audit_event(action=f"test.step{n}", object_label=f"step {n}") for n in range(1, 7)]
    assert integrity.checkpoint_write() == "written"
    return events


def raw_sql(sql, params=()):
    """As the portal's own database role could send it (the guard on): in a savepoint, for the refusal."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_with_checkpoints(settings):
    call_command("verify_audit", checkpoints=str(settings.AUDIT_CHECKPOINT_DIR))


def found(settings) -> str:
    with pytest.raises(CommandError) as failure:
        verify_with_checkpoints(settings)
    return str(failure.value)


def rehash_from(run, start: int) -> None:
    """What a careful tamperer does after changing the trail: recompute each hash from ``start`` on, so every
    link fits again, and point the chain head at the new last event."""
    previous = AuditEvent.objects.get(sequence=start - 1).hash if start > 1 else audit.GENESIS_HASH
    last = start - 1
    for event in AuditEvent.objects.filter(sequence__gte=start).order_by("sequence"):
        event.prev_hash = previous
        event.hash = audit.compute_hash(event)
        run(
            "UPDATE dpms_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [previous, event.hash, event.pk],
        )
        previous, last = event.hash, event.sequence
    run("UPDATE dpms_auditchainhead SET sequence = %s, hash = %s WHERE id = 1", [last, previous])


def test_the_untouched_trail_matches_its_checkpoint(chain, settings, capsys):
    verify_with_checkpoints(settings)
    out = capsys.readouterr().out
    assert "OK: 6 events verified" in out
    assert "the latest matched is #6" in out


def test_an_event_updated_and_the_chain_rehashed_is_found(chain, settings):
    with guard_lifted() as run:
        run("UPDATE dpms_auditevent SET object_label = 'nothing to see' WHERE sequence = 3")
        rehash_from(run, 3)
    assert audit.verify().ok  # the chain alone cannot tell

    message = found(settings)

    assert "#6" in message
    assert "does not match the checkpoint of" in message
    assert "rewritten" in message


def test_an_event_deleted_and_the_rest_renumbered_is_found(chain, settings):
    with guard_lifted() as run:
        run("DELETE FROM dpms_auditevent WHERE sequence = 3")
        run("UPDATE dpms_auditevent SET sequence = sequence - 1 WHERE sequence > 3")
        rehash_from(run, 3)
    assert audit.verify().ok

    message = found(settings)

    assert "the trail ends at #5" in message
    assert "holds #6" in message


def test_truncate_is_refused(requires_postgres, chain):
    with pytest.raises(DatabaseError, match="TRUNCATE refused"):
        raw_sql("TRUNCATE dpms_auditevent, dpms_auditchainhead")
    assert AuditEvent.objects.count() == 6


def test_truncate_forced_through_is_found(requires_postgres, chain, settings):
    with audit_maintenance() as run:  # the test-only way past the guard
        run("TRUNCATE dpms_auditevent, dpms_auditchainhead")
    assert audit.verify().ok  # "OK: 0 events verified" without the checkpoints

    message = found(settings)

    assert "the trail ends at #0" in message
    assert "events #1..#6 were removed" in message


def test_a_forged_event_inserted_and_the_chain_rehashed_is_found(chain, settings):
    with guard_lifted() as run:
        run("UPDATE dpms_auditevent SET sequence = sequence + 1000 WHERE sequence >= 3")
        run("UPDATE dpms_auditevent SET sequence = sequence - 999 WHERE sequence >= 1003")
        forged = AuditEvent(
            sequence=3,
            occurred_at=chain[1].occurred_at,
            action="access.grant.create",
            object_label="backdoor",
            prev_hash=chain[1].hash,
            source="web",
        )
        forged.hash = audit.compute_hash(forged)
        forged.save(force_insert=True)
        rehash_from(run, 3)
    assert audit.verify().ok

    message = found(settings)

    assert "#6" in message
    assert "does not match the checkpoint" in message


def test_the_tail_cut_and_the_head_moved_back_is_found(chain, settings):
    with guard_lifted() as run:
        run("DELETE FROM dpms_auditevent WHERE sequence >= 5")
        run("UPDATE dpms_auditchainhead SET sequence = 4, hash = %s WHERE id = 1", [chain[3].hash])
    assert audit.verify().ok  # the chain and its head agree: only the checkpoint remembers #5 and #6

    message = found(settings)

    assert "the trail ends at #4" in message
    assert "events #5..#6 were removed" in message


def test_the_head_row_cannot_be_edited_without_switching_the_guard_off(chain):
    with pytest.raises(DatabaseError, match="moves only forward"):
        raw_sql("UPDATE dpms_auditchainhead SET sequence = 4, hash = %s WHERE id = 1", [chain[3].hash])
    assert AuditChainHead.objects.values_list("sequence", "hash").get() == (6, chain[-1].hash)


@pytest.mark.parametrize(
    ("sequence", "new_hash", "expected"),
    [
        pytest.param(4, "step4", "events #5..#6 lie past the chain head #4", id="moved-back"),
        pytest.param(6, "f" * 64, "does not match the hash the chain head recorded", id="another-hash"),
    ],
)
def test_the_head_row_edited_with_the_guard_off_is_found(chain, settings, sequence, new_hash, expected):
    new_hash = chain[3].hash if new_hash == "step4" else new_hash
    with guard_lifted() as run:
        run("UPDATE dpms_auditchainhead SET sequence = %s, hash = %s WHERE id = 1", [sequence, new_hash])

    assert expected in found(settings)


def test_a_checkpoint_altered_in_its_file_is_refused(chain, settings):
    path = settings.AUDIT_CHECKPOINT_DIR / "checkpoints.jsonl"
    # Someone with the file but not the key moves the checkpoint back, to match a trail cut at #4.
    path.write_text(
        path.read_text().replace('"sequence": 6', '"sequence": 4').replace(chain[-1].hash, chain[3].hash)
    )

    message = found(settings)

    assert "checkpoints.jsonl line 1" in message
    assert "signature does not match" in message
