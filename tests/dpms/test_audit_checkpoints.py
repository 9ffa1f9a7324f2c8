"""Signed checkpoints of the audit trail (dpms/checkpoints.py, dpms/integrity.py): written by beat's periodic
task to an append-only file and mailed to the auditors, only over a trail that verifies; none without a
key."""

import json
import os
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from dpms import checkpoints, integrity
from dpms.celery import beat_schedule
from dpms.checkpoints import CheckpointError
from dpms.models import Notification, OutboxEmail
from tests.audit_guard import guard_lifted
from tests.dpms.outbox_support import wait_until
from tests.factories import UserFactory, audit_event

pytestmark = pytest.mark.django_db

KEY = "test-checkpoint-key-" + "k" * 40
AT = datetime(2026, 5, 4, 10, 0, 30, 123456, tzinfo=UTC)


@pytest.fixture
def keyed(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_KEY = KEY
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.AUDIT_CHECKPOINT_DIR


def lines(folder):
    return (folder / checkpoints.FILE_NAME).read_text().splitlines()


# --- The signed line ---------------------------------------------------------------------------------------
def test_a_checkpoint_is_one_signed_line_read_back_the_same():
    checkpoint = checkpoints.make(KEY, sequence=42, hash="a" * 64, at=AT)

    line = checkpoint.line()

    assert json.loads(line) == {
        "sequence": 42,
        "hash": "a" * 64,
        "at": "2026-05-04T10:00:30Z",
        "signature": checkpoint.signature,
    }
    read = checkpoints.parse(line, key=KEY, origin="here")
    assert (read.sequence, read.hash, read.at, read.origin) == (
        42,
        "a" * 64,
        AT.replace(microsecond=0),
        "here",
    )


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda data: data | {"sequence": 41}, id="sequence"),
        pytest.param(lambda data: data | {"hash": "b" * 64}, id="hash"),
        pytest.param(lambda data: data | {"at": "2026-05-04T11:00:30Z"}, id="time"),
    ],
)
def test_a_changed_checkpoint_fails_its_signature(change):
    data = json.loads(checkpoints.make(KEY, sequence=42, hash="a" * 64, at=AT).line())

    with pytest.raises(CheckpointError, match="signature does not match"):
        checkpoints.parse(json.dumps(change(data)), key=KEY)


def test_another_key_does_not_check_out():
    line = checkpoints.make(KEY, sequence=42, hash="a" * 64, at=AT).line()
    with pytest.raises(CheckpointError, match="signature does not match"):
        checkpoints.parse(line, key="another-key-" + "x" * 40)


@pytest.mark.parametrize(
    "text",
    ["", "not json", "[]", '{"sequence": 1}', '{"sequence": true, "hash": "", "at": "", "signature": ""}'],
)
def test_anything_but_a_checkpoint_is_named_as_such(text):
    with pytest.raises(CheckpointError, match="line 7: not a checkpoint"):
        checkpoints.parse(text, key=KEY, origin="line 7")


def test_two_checkpoints_giving_one_event_two_hashes_cannot_both_be_true():
    one = checkpoints.make(KEY, sequence=5, hash="a" * 64, at=AT)
    other = checkpoints.make(KEY, sequence=5, hash="b" * 64, at=AT)
    with pytest.raises(CheckpointError, match="different hashes"):
        checkpoints.by_sequence([one, other])


# --- The periodic task -------------------------------------------------------------------------------------
def test_without_a_key_no_checkpoint_is_written(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_KEY = ""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    audit_event()

    assert integrity.checkpoint_write() == "off"
    assert not settings.AUDIT_CHECKPOINT_DIR.exists()
    assert integrity.checkpoints_note().startswith("AUDIT_CHECKPOINT_KEY is not set")


def test_a_checkpoint_of_the_last_event_is_appended_and_mailed_to_each_auditor(keyed):
    auditors = [UserFactory(roles=["auditor"]) for _ in range(2)]
    UserFactory(roles=["auditor"], is_active=False)
    UserFactory(roles=["security officer"])
    events = [audit_event() for _ in range(3)]

    assert integrity.checkpoint_write() == "written"

    [line] = lines(keyed)
    checkpoint = checkpoints.parse(line, key=KEY)
    assert (checkpoint.sequence, checkpoint.hash) == (3, events[-1].hash)
    assert oct(os.stat(keyed / checkpoints.FILE_NAME).st_mode & 0o777) == "0o640"
    mails = OutboxEmail.objects.order_by("to")
    assert [mail.to for mail in mails] == sorted(auditor.email for auditor in auditors)
    assert all(line in mail.body and mail.subject == "Audit trail checkpoint #3" for mail in mails)


def test_nothing_new_writes_nothing_and_new_events_are_appended_below(keyed):
    audit_event()
    assert integrity.checkpoint_write() == "written"
    assert integrity.checkpoint_write() == "unchanged"
    audit_event()
    audit_event()

    assert integrity.checkpoint_write() == "written"

    assert [checkpoints.parse(line, key=KEY).sequence for line in lines(keyed)] == [1, 3]


def test_an_empty_trail_gets_no_checkpoint(keyed):
    assert integrity.checkpoint_write() == "unchanged"
    assert not (keyed / checkpoints.FILE_NAME).exists()


def test_a_trail_broken_since_the_latest_checkpoint_gets_none_and_the_auditors_are_told_once_a_day(keyed):
    auditor = UserFactory(roles=["auditor"])
    audit_event()
    assert integrity.checkpoint_write() == "written"
    audit_event()
    audit_event()
    with guard_lifted() as run:
        run("UPDATE dpms_auditevent SET object_label = 'altered' WHERE sequence = 3")

    assert integrity.checkpoint_write() == "broken"
    assert integrity.checkpoint_write() == "broken"

    assert len(lines(keyed)) == 1  # no checkpoint vouches for the damage
    [note] = Notification.objects.filter(recipient=auditor)
    assert note.subject == "The audit trail failed its check: no checkpoint was written"
    assert "event #3" in note.body
    assert OutboxEmail.objects.filter(to=auditor.email, subject=note.subject).count() == 1


def test_a_checkpoint_file_altered_stops_the_next_checkpoint(keyed):
    UserFactory(roles=["auditor"])
    audit_event()
    assert integrity.checkpoint_write() == "written"
    path = keyed / checkpoints.FILE_NAME
    path.write_text(path.read_text().replace('"sequence": 1', '"sequence": 2'))
    audit_event()

    assert integrity.checkpoint_write() == "broken"
    assert "signature does not match" in Notification.objects.get().body


def test_beat_sends_the_checkpoint_task_every_audit_checkpoint_seconds(settings):
    settings.AUDIT_CHECKPOINT_SECONDS = 900
    entry = beat_schedule()["audit-checkpoint"]
    assert entry["task"] == integrity.CHECKPOINT_TASK
    assert entry["schedule"] == 900


@pytest.mark.celery
def test_the_periodic_task_writes_and_mails_a_checkpoint_through_a_real_worker(celery_worker, keyed):
    from dpms.integrity_tasks import write_audit_checkpoint

    auditor = UserFactory(roles=["auditor"])
    audit_event()

    write_audit_checkpoint.delay()

    assert wait_until(lambda: len(mail.outbox) == 1)
    assert [checkpoints.parse(line, key=KEY).sequence for line in lines(keyed)] == [1]
    assert mail.outbox[0].to == [auditor.email]
    assert lines(keyed)[0] in mail.outbox[0].body


# --- verify_audit --checkpoints ----------------------------------------------------------------------------
def test_verify_audit_needs_the_key_and_a_folder_of_checkpoints(keyed, settings, tmp_path):
    audit_event()
    with pytest.raises(CommandError, match="no such folder"):
        call_command("verify_audit", checkpoints=str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="holds no checkpoints"):
        call_command("verify_audit", checkpoints=str(tmp_path / "empty"))
    integrity.checkpoint_write()
    settings.AUDIT_CHECKPOINT_KEY = ""
    with pytest.raises(CommandError, match="AUDIT_CHECKPOINT_KEY is not set"):
        call_command("verify_audit", checkpoints=str(keyed))


def test_verify_audit_reads_the_lines_kept_from_the_emails_too(keyed, tmp_path, capsys):
    UserFactory(roles=["auditor"])
    audit_event()
    integrity.checkpoint_write()
    audit_event()
    integrity.checkpoint_write()
    kept = tmp_path / "kept"
    kept.mkdir()
    # An auditor keeps the first mail's line only, in a file of their own.
    first_mail = OutboxEmail.objects.order_by("pk").first()
    (kept / "from-mail.jsonl").write_text(first_mail.body.strip().splitlines()[-1] + "\n")

    call_command("verify_audit", checkpoints=str(kept))

    out = capsys.readouterr().out
    assert "OK: 2 events verified" in out
    assert "the latest matched is #1" in out
    assert "from-mail.jsonl line 1" in out
