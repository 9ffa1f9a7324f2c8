"""Helpers of the scanner import tests: the sample files and an import run in this process."""

from pathlib import Path

from vulnerabilities.services.imports import scan_import_run

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def run(actor, system, name: str, *, full: bool = False, format: str = "", content: bytes | None = None):
    """Import a sample (or ``content``) at once, as ``manage.py import_scan`` does; returns the import."""
    data = sample(name) if content is None else content
    return scan_import_run(actor=actor, filename=name, content=data, system=system, format=format, full=full)
