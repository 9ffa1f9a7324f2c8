"""Walk the audit trail's hash chain and name the first event that was altered, removed or inserted.

Exit status 0 means the chain is whole; anything else means it is broken (or the database could not be read).
The last hash is printed so an auditor can keep it outside the database and compare it on the next run.

``--checkpoints FOLDER`` also compares the trail with the signed checkpoints in the folder (``*.jsonl``: the
portal's own ``AUDIT_CHECKPOINT_DIR``, or the lines an auditor kept from the checkpoint emails): the event at
each checkpointed sequence must carry the checkpoint's hash, and the trail must reach the latest one. That
finds what the chain alone cannot: a trail rewritten with recomputed hashes, or cut at its end with the chain
head moved back. ``--csv FILE`` checks an exported CSV of the trail against the checkpoints instead of the
database, offline. Both need ``AUDIT_CHECKPOINT_KEY``, the key the checkpoints were signed with.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dpms import audit, audit_csv, checkpoints, integrity
from dpms.checkpoints import Checkpoint, CheckpointError


def _events(count: int) -> str:
    return f"{count} event{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exits non-zero naming the first bad event."

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            type=int,
            metavar="SEQ",
            help="Start at event SEQ, trusting the stored hash of the event before it (after a full check).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Events read from the database per round trip (default 2000).",
        )
        parser.add_argument(
            "--checkpoints",
            metavar="FOLDER",
            help="Also compare the trail with the signed checkpoints in FOLDER (its *.jsonl files).",
        )
        parser.add_argument(
            "--csv",
            metavar="FILE",
            help="Check this exported CSV of the trail against --checkpoints, instead of the database.",
        )
        parser.add_argument(
            "--filtered",
            action="store_true",
            help="With --csv: the export was made with filters, so events are missing from it by design.",
        )

    def handle(
        self,
        *args,
        since=None,
        batch_size=2000,
        verbosity=1,
        checkpoints=None,
        csv=None,
        filtered=False,
        **options,
    ):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if since is not None and since < 1:
            raise CommandError("--since must be a sequence number of 1 or more.")
        if csv and not checkpoints:
            raise CommandError(
                "--csv needs --checkpoints FOLDER: an export is checked against the checkpoints."
            )
        if filtered and not csv:
            raise CommandError("--filtered goes with --csv.")
        if checkpoints and since is not None:
            raise CommandError("--checkpoints checks the whole trail: leave out --since.")

        def progress(checked):
            self.stdout.write(f"... {checked} events verified")

        report = progress if verbosity >= 2 else None
        if not checkpoints:
            self._report(audit.verify(batch_size=batch_size, since=since, progress=report), verbosity)
            return
        found = self._read_checkpoints(Path(checkpoints))
        if csv:
            self._check_csv(Path(csv), found, filtered=filtered)
            return
        check = integrity.verify_against(found, progress=report, batch_size=batch_size)
        self._report(check.result, verbosity)
        latest = check.matched
        if latest is not None:
            self.stdout.write(
                f"checkpoints: {len(found)} read; the latest matched is #{latest.sequence} of "
                f"{latest.at:%Y-%m-%d %H:%M:%S} UTC ({latest.origin})"
            )

    def _report(self, result: audit.VerifyResult, verbosity: int) -> None:
        if not result.ok:
            raise CommandError(
                f"audit chain broken at event #{result.bad_sequence} "
                f"(action: {result.action or 'none, no such event'}): {result.reason}"
                f" [{_events(result.checked)} verified before it]"
            )
        self.stdout.write(f"OK: {result.checked} events verified")
        if result.last_hash and verbosity >= 1:
            self.stdout.write(f"last hash: {result.last_hash}")

    def _read_checkpoints(self, folder: Path) -> list[Checkpoint]:
        key = settings.AUDIT_CHECKPOINT_KEY
        if not key:
            raise CommandError(
                "AUDIT_CHECKPOINT_KEY is not set: it is needed to check the checkpoints' signatures."
            )
        if not folder.is_dir():
            raise CommandError(f"{folder}: no such folder.")
        try:
            found = checkpoints.read(folder, key=key)
            checkpoints.by_sequence(found)
        except CheckpointError as error:
            raise CommandError(f"a checkpoint is not to be trusted: {error}") from None
        if not found:
            raise CommandError(
                f"{folder} holds no checkpoints (*.jsonl files): nothing to compare the trail with."
            )
        return found

    def _check_csv(self, path: Path, found: list[Checkpoint], *, filtered: bool) -> None:
        try:
            with path.open(encoding="utf-8", newline="") as lines:
                check = audit_csv.verify_csv(lines, found=found, filtered=filtered)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: cannot be read ({error})") from None
        except CheckpointError as error:
            raise CommandError(f"a checkpoint is not to be trusted: {error}") from None
        if not check.ok:
            where = f" at event #{check.bad_sequence}" if check.bad_sequence else ""
            raise CommandError(
                f"the export does not check out{where}: {check.reason} "
                f"[{_events(check.rows)} verified before it]"
            )
        span = f"#{check.first_sequence}..#{check.last_sequence}"
        shape = (
            "the whole chain from #1" if check.whole else "filtered: the links across its gaps not checked"
        )
        self.stdout.write(f"OK: {_events(check.rows)} of the export verified ({span}, {shape})")
        latest = check.matched
        if latest is not None:
            self.stdout.write(
                f"checkpoints: {check.compared} compared; the latest matched is #{latest.sequence} of "
                f"{latest.at:%Y-%m-%d %H:%M:%S} UTC ({latest.origin})"
            )
        if check.later:
            last = check.later[-1]
            self.stdout.write(
                f"{len(check.later)} checkpoint(s) lie past the export's last event #{check.last_sequence}, "
                f"the latest #{last.sequence} of {last.at:%Y-%m-%d %H:%M:%S} UTC: if the export was made "
                "after that, events are missing from it"
            )
