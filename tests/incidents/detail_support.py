"""Shared by the detail, workflow and follow-up tests: incidents at each stage of the path."""

import pytest
from django.utils import timezone
from django.utils.functional import empty

from incidents.choices import Severity, Status
from incidents.models import attachment_storage
from tests.incidents.factories import IncidentFactory


def incident_at(status, *, reporter, handler, severity=Severity.SEV3, **extra):
    """An incident of ``reporter`` in ``status``, triaged (unless reported) and handled by ``handler``."""
    now = timezone.now()
    fields = {"reported_by": reporter, "status": status}
    if status != Status.REPORTED:
        fields |= {"severity": severity, "handler": handler, "triaged_at": now, "triaged_by": handler}
    if status in (Status.CONTAINED, Status.RESOLVED, Status.CLOSED):
        fields["contained_at"] = now
    if status in (Status.RESOLVED, Status.CLOSED):
        fields["resolved_at"] = now
    if status == Status.CLOSED:
        fields |= {"closed_at": now, "root_cause": "Weak filter", "lessons_learned": "Train staff"}
    if status == Status.DISMISSED:
        fields |= {"dismissed_at": now, "dismissal_reason": "A test email", "severity": None, "handler": None}
    return IncidentFactory(**(fields | extra))


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 60


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture(name="files_dir")
def files_dir_fixture(settings, tmp_path):
    """Attachments go to a temporary folder (never data/): the storage is lazy, so it is rebuilt here."""
    settings.INCIDENT_ATTACHMENTS_DIR = tmp_path / "attachments"
    attachment_storage._wrapped = empty
    yield settings.INCIDENT_ATTACHMENTS_DIR
    attachment_storage._wrapped = empty
