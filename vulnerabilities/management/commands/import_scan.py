"""Import a scanner's report from a CI pipeline: ``manage.py import_scan --system NAME --format trivy FILE
[--full]``. It runs at once, in this process, all or nothing; the exit status is 0 when the scan was
imported and 1 with every problem printed (each by its place in the file) when nothing was."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from access.models import System
from dpms.context import origin
from vulnerabilities.choices import ScanFormat, ScanImportState
from vulnerabilities.services.imports import scan_import_run
from vulnerabilities.services.scanners import size_problem


class Command(BaseCommand):
    help = "Import a scanner report (pip-audit, OSV-Scanner, Trivy, Grype, CycloneDX VEX) into a register."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The report, as JSON; - reads standard input.")
        parser.add_argument(
            "--system",
            default="",
            help="The system's name in the access register; default: the artifact the file names.",
        )
        parser.add_argument(
            "--format",
            default="",
            choices=["", *ScanFormat.values],
            help="The tool that wrote the file; default: recognised from its content.",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="A full scan of the system: its open scanner vulnerabilities absent from it are marked "
            "fixed (not found in scan of <date>), pending verification.",
        )

    def handle(self, *args, file, system="", format="", full=False, **options):
        content = self._read(file)
        target = None
        if system:
            target = System.objects.filter(name=system).first()
            if target is None:
                raise CommandError(f"No system named {system!r} in the access register.")
        with origin("cli"):
            scan = scan_import_run(
                actor=None,
                filename=Path(file).name if file != "-" else "stdin.json",
                content=content,
                system=target,
                format=format,
                full=full,
            )
        if scan.state != ScanImportState.APPLIED:
            for problem in scan.result.get("problems", []):
                self.stderr.write(f"{problem['where']}: {problem['message']}")
            more = scan.result.get("problems_not_listed", 0)
            if more:
                self.stderr.write(f"... and {more} more problems.")
            raise CommandError(scan.error or "Nothing was imported.", returncode=1)
        result = scan.result
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result['findings']} findings of {result['format']} into {result['system']} "
                f"(import #{scan.pk}): {result['created']} new, {result['unchanged']} unchanged, "
                f"{result['reopened']} reopened, {result['fixed']} marked fixed, "
                f"{result['components_created']} components added."
            )
        )

    def _read(self, file: str) -> bytes:
        if file == "-":
            return sys.stdin.buffer.read()
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file!r}.")
        too_large = size_problem(path.stat().st_size)
        if too_large:
            raise CommandError(too_large)
        return path.read_bytes()
