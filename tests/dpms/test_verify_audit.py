"""manage.py verify_audit: a whole chain passes; a row altered, removed or inserted behind the portal's back
is found and named.

Tampering goes around the ORM with raw SQL, as someone with database access would. The database's
append-only triggers refuse that (tests/dpms/test_audit_postgres.py), so here the table owner first disables
them, which is what a determined insider would do (tests/audit_guard.py); the DDL is rolled back with the
test's transaction.
"""

import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dpms import audit
from dpms.models import AuditEvent
from tests.audit_guard import guard_lifted
from tests.factories import audit_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """Five genuine events, #1..#5."""
    return [audit_event(action=f"test.step{n}", object_label=f"step {n}") for n in range(1, 6)]


@pytest.fixture
def raw_sql():
    """Run SQL straight against the table, with the append-only triggers switched off."""
    with guard_lifted() as run:
        yield run


def verify_fails():
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    return str(failure.value)


def test_a_whole_chain_is_reported_ok(chain, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "OK: 5 events verified" in out
    assert chain[-1].hash in out


def test_an_empty_trail_is_ok(capsys):
    call_command("verify_audit")
    assert "OK: 0 events verified" in capsys.readouterr().out


def _database_url():
    """The test database as a DATABASE_URL, for a separate ``manage.py`` process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_from_the_command_line_a_broken_chain_exits_non_zero_naming_the_event():
    # Committed data and a real process: what an auditor runs, exit status and all.
    genuine = [audit_event(action=f"test.step{n}") for n in range(1, 4)]
    forged = AuditEvent(
        sequence=4,
        occurred_at=genuine[-1].occurred_at,
        action="access.grant.create",
        prev_hash=genuine[-1].hash,
        source="web",
    )
    forged.hash = audit.compute_hash(forged)
    forged.save(force_insert=True)
    env = {**os.environ, "DATABASE_URL": _database_url()}

    run = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "verify_audit"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode != 0
    assert "#4" in run.stderr
    assert "access.grant.create" in run.stderr
    assert "OK" not in run.stdout


def test_a_row_altered_by_raw_sql_is_found_and_named(chain, raw_sql):
    raw_sql("UPDATE dpms_auditevent SET actor_label = %s WHERE sequence = 2", ["Someone Else"])

    message = verify_fails()

    assert "#2" in message
    assert "test.step2" in message
    assert "content does not match its hash" in message


def test_a_row_altered_with_a_recomputed_hash_breaks_the_next_link(chain, raw_sql):
    forged = AuditEvent.objects.get(sequence=2)
    forged.object_label = "rewritten"
    raw_sql(
        "UPDATE dpms_auditevent SET object_label = %s, hash = %s WHERE sequence = 2",
        [forged.object_label, audit.compute_hash(forged)],
    )

    result = audit.verify()

    assert (result.ok, result.bad_sequence, result.action) == (False, 3, "test.step3")
    assert "previous hash does not match" in result.reason


def test_a_row_deleted_by_raw_sql_is_found(chain, raw_sql):
    raw_sql("DELETE FROM dpms_auditevent WHERE sequence = 3")

    message = verify_fails()

    assert "#4" in message
    assert "expected #3" in message
    assert "missing" in message


def test_a_forged_row_slipped_into_the_middle_is_found(chain, raw_sql):
    # Make room at #3 (two steps, so the unique sequence never collides), then forge a row that links
    # perfectly to #2 and carries a correct hash of its own.
    raw_sql("UPDATE dpms_auditevent SET sequence = sequence + 1000 WHERE sequence >= 3")
    raw_sql("UPDATE dpms_auditevent SET sequence = sequence - 999 WHERE sequence >= 1003")
    forged = AuditEvent(
        sequence=3,
        occurred_at=chain[2].occurred_at,
        action="access.grant.create",
        object_label="backdoor",
        prev_hash=chain[1].hash,
        source="web",
    )
    forged.hash = audit.compute_hash(forged)
    forged.save(force_insert=True)

    result = audit.verify()

    assert not result.ok
    # The forged row fits behind #2; the original #3, now #4, no longer fits behind it.
    assert result.bad_sequence == 4
    assert result.action == "test.step3"


def test_a_forged_row_appended_past_the_chain_head_is_found(chain):
    # Inserting needs no trigger to be switched off: it is the one change the database allows.
    forged = AuditEvent(
        sequence=6,
        occurred_at=chain[-1].occurred_at,
        action="access.grant.create",
        object_label="backdoor",
        prev_hash=chain[-1].hash,
        source="web",
    )
    forged.hash = audit.compute_hash(forged)
    forged.save(force_insert=True)

    message = verify_fails()

    assert "#6" in message
    assert "past the chain head" in message


def test_the_newest_rows_removed_is_found_through_the_chain_head(chain, raw_sql):
    raw_sql("DELETE FROM dpms_auditevent WHERE sequence >= 4")

    message = verify_fails()

    assert "#4" in message
    assert "latest events were removed" in message


def test_since_checks_only_the_newer_events(chain, raw_sql, capsys):
    raw_sql("UPDATE dpms_auditevent SET object_label = %s WHERE sequence = 1", ["old damage"])

    call_command("verify_audit", since=3)

    assert "OK: 3 events verified" in capsys.readouterr().out
    assert "#1" in verify_fails()


def test_progress_is_printed_only_when_asked(chain, capsys):
    call_command("verify_audit", batch_size=2)
    assert "..." not in capsys.readouterr().out

    call_command("verify_audit", batch_size=2, verbosity=2)
    out = capsys.readouterr().out
    assert "... 2 events verified" in out
    assert "... 4 events verified" in out
