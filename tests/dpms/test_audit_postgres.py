"""What PostgreSQL guarantees for the audit trail: a trigger refuses raw UPDATE and DELETE, and appends from
concurrent transactions queue behind the chain-head row lock and form one chain, never a fork."""

import pytest
from django.db import DatabaseError, connection, transaction

from dpms import audit
from dpms.models import AuditEvent
from tests.concurrency import at_once, start_at_once
from tests.factories import audit_event

pytestmark = pytest.mark.postgres

THREADS = 8
APPENDS_PER_THREAD = 25


def raw_sql(sql, params):
    """Straight to the table, past the model; in a savepoint so the refusal leaves the test usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_a_raw_update_is_refused_by_the_trigger(requires_postgres):
    event = audit_event(action="test.original")

    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql("UPDATE dpms_auditevent SET action = 'test.rewritten' WHERE id = %s", [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).action == "test.original"
    assert audit.verify().ok


@pytest.mark.django_db
def test_a_raw_delete_is_refused_by_the_trigger(requires_postgres):
    event = audit_event()

    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql("DELETE FROM dpms_auditevent WHERE id = %s", [event.pk])

    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_unbroken_chain(requires_postgres):
    def append_many(worker):
        # Each thread has its own connection, so each append is its own transaction racing the others.
        for n in range(APPENDS_PER_THREAD):
            with transaction.atomic():
                audit.record(action="test.concurrent", object_label=f"worker {worker} append {n}")

    at_once(*(lambda worker=worker: append_many(worker) for worker in range(THREADS)))  # raises on error

    total = THREADS * APPENDS_PER_THREAD
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, total + 1))
    prev_hashes = AuditEvent.objects.values_list("prev_hash", flat=True)
    assert len(set(prev_hashes)) == total, "two events claim the same predecessor: the chain forked"
    result = audit.verify()
    assert result.ok, result.reason
    assert result.checked == total


@pytest.mark.django_db(transaction=True)
def test_verifying_while_others_append_reports_no_false_break(requires_postgres):
    # An auditor runs verify_audit on a live system: events committed during the walk are not tampering.
    audit_event(action="test.before")

    def append_many(worker):
        for n in range(APPENDS_PER_THREAD):
            with transaction.atomic():
                audit.record(action="test.live", object_label=f"worker {worker} append {n}")

    # Returns once the appenders are released, so the verifying below runs while they append.
    appenders = start_at_once(*(lambda worker=worker: append_many(worker) for worker in range(THREADS)))
    results = []
    while appenders.alive():
        results.append(audit.verify(batch_size=7))
    appenders.wait()  # raises if any append failed
    results.append(audit.verify())

    assert [result.reason for result in results if not result.ok] == []
    assert results[-1].checked == 1 + THREADS * APPENDS_PER_THREAD
