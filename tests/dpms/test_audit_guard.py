"""The database's own guard of the audit trail (dpms/migrations/0008_audit_integrity.py): events are never
changed or removed, TRUNCATE is refused (PostgreSQL), and the chain head is never removed and moves only
forward, to an event appended with its hash. Raw SQL, as someone with database access would send it."""

import pytest
from django.db import DatabaseError, connection, transaction

from dpms import audit
from dpms.models import AuditChainHead, AuditEvent
from tests.audit_guard import audit_maintenance
from tests.factories import audit_event

pytestmark = pytest.mark.django_db


def raw_sql(sql, params=()):
    """Straight to the table, past the model; in a savepoint so a refusal leaves the test usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def head():
    return AuditChainHead.objects.values_list("sequence", "hash").get()


@pytest.fixture
def chain():
    return [audit_event(action=f"test.step{n}") for n in range(1, 4)]


def test_the_guard_is_installed_on_both_tables():
    # Django rebuilds an SQLite table for most column changes, dropping its triggers: this notices.
    if connection.vendor == "postgresql":
        sql = """SELECT tgrelid::regclass::text || ' ' || tgname FROM pg_trigger
                 WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'dpms_audit%%'"""
        expected = {
            "dpms_auditevent dpms_audit_append_only",
            "dpms_auditevent dpms_audit_no_truncate",
            "dpms_auditchainhead dpms_audit_no_truncate",
            "dpms_auditchainhead dpms_audit_head_forward_only",
        }
    else:
        sql = "SELECT tbl_name || ' ' || name FROM sqlite_master WHERE type = 'trigger'"
        expected = {
            "dpms_auditevent dpms_audit_append_only_update",
            "dpms_auditevent dpms_audit_append_only_delete",
            "dpms_auditchainhead dpms_audit_head_no_delete",
            "dpms_auditchainhead dpms_audit_head_forward_only",
        }
    with connection.cursor() as cursor:
        cursor.execute(sql)
        installed = {row[0] for row in cursor.fetchall()}
    assert expected <= installed


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE dpms_auditevent SET action = 'test.rewritten' WHERE sequence = 2",
        "DELETE FROM dpms_auditevent",
    ],
)
def test_events_are_never_changed_or_removed(chain, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql(sql)
    assert list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True)) == [
        "test.step1",
        "test.step2",
        "test.step3",
    ]


@pytest.mark.parametrize(
    "table", ["dpms_auditevent", "dpms_auditchainhead", "dpms_auditevent, dpms_auditchainhead"]
)
def test_truncate_is_refused(requires_postgres, chain, table):
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"):
        raw_sql(f"TRUNCATE {table}")
    assert AuditEvent.objects.count() == 3
    assert head() == (3, chain[-1].hash)
    assert audit.verify().ok


def test_the_test_only_bypass_lets_truncate_through(requires_postgres, chain):
    # What the test harness's flush does after a transactional test (tests/audit_guard.py).
    with audit_maintenance() as run:
        run("TRUNCATE dpms_auditevent, dpms_auditchainhead")
    assert not AuditEvent.objects.exists()
    assert not AuditChainHead.objects.exists()


def test_the_chain_head_is_never_removed(chain):
    with pytest.raises(DatabaseError, match="never removed"):
        raw_sql("DELETE FROM dpms_auditchainhead")
    assert head() == (3, chain[-1].hash)


@pytest.mark.parametrize(
    ("sequence", "new_hash"),
    [
        pytest.param(2, "step2", id="moved-back-to-an-earlier-event"),
        pytest.param(3, "f" * 64, id="another-hash-at-the-same-sequence"),
        pytest.param(4, "f" * 64, id="forward-to-no-event"),
        pytest.param(0, audit.GENESIS_HASH, id="back-to-the-start"),
    ],
)
def test_the_chain_head_moves_only_forward_to_an_appended_event(chain, sequence, new_hash):
    new_hash = chain[1].hash if new_hash == "step2" else new_hash
    with pytest.raises(DatabaseError, match="moves only forward"):
        raw_sql("UPDATE dpms_auditchainhead SET sequence = %s, hash = %s", [sequence, new_hash])
    assert head() == (3, chain[-1].hash)


def test_appending_still_moves_the_head_one_event_or_a_batch_at_a_time(chain):
    audit.record(action="test.one")
    audit.record_many([{"action": "test.batch"}, {"action": "test.batch"}])

    last = AuditEvent.objects.order_by("-sequence").first()
    assert head() == (6, last.hash)
    assert audit.verify().ok
