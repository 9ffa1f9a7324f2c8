"""An auditor checks an exported CSV of the audit trail against the signed checkpoints offline
(``verify_audit --csv FILE --checkpoints FOLDER``, dpms/audit_csv.py): every row's hash is recomputed from
the export alone, every link to the row before, and the rows at checkpointed sequences are compared."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dpms import audit, integrity
from tests.audit_guard import guard_lifted
from tests.factories import audit_event

pytestmark = pytest.mark.django_db

KEY = "test-checkpoint-key-" + "k" * 40


@pytest.fixture
def keyed(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_KEY = KEY
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.AUDIT_CHECKPOINT_DIR


@pytest.fixture
def export(client_for, auditor, tmp_path):
    """``export(**filters)``: the audit trail's CSV as the auditor downloads it, saved to a file. The
    auditor signs in first: their sign-in is event #1."""
    client = client_for(auditor)

    def download(**filters):
        response = client.get(reverse("audit_trail_csv"), filters)
        path = tmp_path / "audit.csv"
        path.write_bytes(b"".join(response.streaming_content))
        return path

    return download


def check(path, folder, **options) -> str:
    out = []
    call_command("verify_audit", csv=str(path), checkpoints=str(folder), stdout=_Collect(out), **options)
    return "".join(out)


def fails(path, folder, **options) -> str:
    with pytest.raises(CommandError) as failure:
        check(path, folder, **options)
    return str(failure.value)


class _Collect:
    def __init__(self, out):
        self.out = out

    def write(self, text):
        self.out.append(text)

    def flush(self):
        pass


def test_a_whole_export_checks_out_against_the_checkpoint(keyed, export, staff):
    audit_event(action="test.one", actor=staff, changes={"level": [1, 2], "note": "ünïcode"})
    audit_event(action="test.two", client_ip="192.0.2.7", object_label="Payroll")
    integrity.checkpoint_write()

    out = check(export(), keyed)

    assert "the whole chain from #1" in out
    assert "the latest matched is #" in out


def test_cells_quoted_against_spreadsheet_formulas_still_check_out(keyed, export):
    audit_event(
        action="test.injection",
        object_label='=HYPERLINK("https://evil.example","click")',
        actor_label="+cmd|' /C calc'!A0",
        object_id="-2+3",
    )
    audit_event(action="test.quoted", object_label="'=already quoted by its author")
    integrity.checkpoint_write()

    assert "OK:" in check(export(), keyed)


def test_a_row_altered_in_the_file_is_found(keyed, export):
    audit_event(action="test.one", object_label="Payroll")
    audit_event(action="test.two")
    integrity.checkpoint_write()
    path = export()
    path.write_text(path.read_text().replace("Payroll", "Pay-roll"))

    message = fails(path, keyed)

    assert "content does not match its hash" in message


def test_a_row_removed_from_the_file_is_found(keyed, export):
    for n in range(4):
        audit_event(action=f"test.step{n}")
    integrity.checkpoint_write()
    path = export()
    rows = path.read_text().splitlines(keepends=True)
    path.write_text("".join(row for row in rows if "test.step1" not in row))

    assert "event #3 is missing from the export" in fails(path, keyed)
    # Told it is a filtered export, the gap is accepted: the rows themselves still check out.
    assert "filtered: the links across its gaps not checked" in check(path, keyed, filtered=True)


def test_an_export_of_a_rewritten_trail_does_not_match_the_checkpoint(keyed, export):
    for n in range(4):
        audit_event(action=f"test.step{n}")
    integrity.checkpoint_write()
    with guard_lifted() as run:
        run("UPDATE dpms_auditevent SET object_label = 'rewritten' WHERE sequence = 3")
        previous = audit.AuditEvent.objects.get(sequence=2).hash
        for event in audit.AuditEvent.objects.filter(sequence__gte=3).order_by("sequence"):
            event.prev_hash = previous
            event.hash = previous = audit.compute_hash(event)
            run(
                "UPDATE dpms_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
                [event.prev_hash, event.hash, event.pk],
            )

    message = fails(export(), keyed)

    assert "#5 does not match the checkpoint" in message


def test_a_filtered_export_checks_its_rows_and_says_it_is_not_the_whole_chain(keyed, export):
    audit_event(action="test.noise")
    audit_event(action="test.kept")
    integrity.checkpoint_write()  # of #3, which the filter keeps
    audit_event(action="test.noise")
    path = export(action="test.kept")

    assert "the export starts at #3, not #1" in fails(path, keyed)
    out = check(path, keyed, filtered=True)
    assert "filtered" in out
    assert "the latest matched is #3" in out


def test_an_export_with_no_checkpointed_event_has_nothing_to_compare_with(keyed, export):
    audit_event(action="test.kept")
    audit_event(action="test.noise")
    integrity.checkpoint_write()  # of #3, which the filter leaves out

    message = fails(export(action="test.kept"), keyed, filtered=True)
    assert "no checkpoint falls on an event of this export" in message


def test_checkpoints_past_the_end_of_the_export_are_pointed_out(keyed, export):
    audit_event()
    integrity.checkpoint_write()
    path = export()
    audit_event()
    integrity.checkpoint_write()

    out = check(path, keyed)

    assert "1 checkpoint(s) lie past the export's last event #2, the latest #3" in out


def test_a_file_that_is_not_an_audit_export_is_refused(keyed, tmp_path):
    audit_event()
    integrity.checkpoint_write()
    path = tmp_path / "other.csv"
    path.write_text("name,email\nSam,sam@example.com\n")

    assert "not an audit export" in fails(path, keyed)


def test_csv_needs_checkpoints_and_filtered_needs_csv(tmp_path):
    with pytest.raises(CommandError, match="--csv needs --checkpoints"):
        call_command("verify_audit", csv=str(tmp_path / "audit.csv"))
    with pytest.raises(CommandError, match="--filtered goes with --csv"):
        call_command("verify_audit", filtered=True)
