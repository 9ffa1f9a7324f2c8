"""Walk the audit trail's hash chain and name the first event that was altered, removed or inserted.

Exit status 0 means the chain is whole; anything else means it is broken (or the database could not be read).
The last hash is printed so an auditor can keep it outside the database and compare it on the next run.
"""

from django.core.management.base import BaseCommand, CommandError

from dpms import audit


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

    def handle(self, *args, since=None, batch_size=2000, verbosity=1, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if since is not None and since < 1:
            raise CommandError("--since must be a sequence number of 1 or more.")

        def progress(checked):
            self.stdout.write(f"... {checked} events verified")

        report = progress if verbosity >= 2 else None
        result = audit.verify(batch_size=batch_size, since=since, progress=report)
        if not result.ok:
            raise CommandError(
                f"audit chain broken at event #{result.bad_sequence} "
                f"(action: {result.action or 'none, no such event'}): {result.reason}"
                f" [{result.checked} event{'' if result.checked == 1 else 's'} verified before it]"
            )
        self.stdout.write(f"OK: {result.checked} events verified")
        if result.last_hash and verbosity >= 1:
            self.stdout.write(f"last hash: {result.last_hash}")
