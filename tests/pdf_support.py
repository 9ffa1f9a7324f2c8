"""Helpers for the PDF evidence tests: skip where WeasyPrint or pdftotext cannot run, read a PDF back."""

import hashlib
import shutil
import subprocess

import pytest

from dpms import pdf
from dpms.models import AuditEvent


@pytest.fixture
def pdf_renderer(settings, tmp_path):
    """PDFs can be written and read back here, into a data folder of the test's own; else the test skips
    saying why (a plain machine without Pango, or without poppler's pdftotext)."""
    why = pdf.unavailable()
    if why:
        pytest.skip(f"PDF evidence needs WeasyPrint's libraries (Pango): {why}")
    if shutil.which("pdftotext") is None:
        pytest.skip("reading PDFs back needs pdftotext (Debian package poppler-utils)")
    settings.DATA_DIR = tmp_path


def pdf_text(data: bytes) -> str:
    """The PDF's text as pdftotext reads it (layout kept, so a table row stays on one line)."""
    assert data.startswith(b"%PDF-"), data[:20]
    command = ["pdftotext", "-layout", "-", "-"]  # poppler's, found on PATH as CI installs it
    done = subprocess.run(command, input=data, capture_output=True, check=True)  # noqa: S603
    return done.stdout.decode("utf-8")


def stored_pdf(export) -> bytes:
    with pdf.open_file(export.pdf_file) as handle:
        return handle.read()


def stored_csv(export) -> bytes:
    with pdf.open_file(export.csv_file) as handle:
        return handle.read()


def generated_event(action: str, export) -> AuditEvent:
    """The audit event that recorded ``export``'s PDF."""
    return AuditEvent.objects.get(action=action, changes__export_id=export.pk)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
