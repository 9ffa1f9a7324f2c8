"""Attachments: checked by content and size, stored outside the web root under a random name."""

import hashlib

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent
from incidents.choices import EventKind
from incidents.models import IncidentAttachment
from incidents.queries.attachments import attachments_visible_to
from incidents.services.attachments import attachment_add, validate_upload
from tests.incidents.factories import IncidentEventFactory, IncidentFactory
from tests.incidents.reporting_support import (  # noqa: F401 - fixture
    EML,
    EXE,
    GIF,
    JPEG,
    PDF,
    PNG,
    WEBP,
    ZIP,
    attachments_dir_fixture,
    stored_files,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachments_dir")]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("screenshot.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("anim.gif", GIF, "image/gif"),
        ("image.webp", WEBP, "image/webp"),
        ("no-extension", PNG, "image/png"),  # the content decides, not the name
        ("notes.txt", "Grüße: the login page looked odd.\n".encode(), "text/plain"),
        ("firewall.log", b"2026-03-02 09:12 DENY 10.0.0.5 <script> in query\n", "text/plain"),
        ("accounts.csv", b"name,email\nSam,sam@example.com\n", "text/csv"),
        ("phish.eml", EML, "message/rfc822"),
    ],
)
def test_allowed_files_are_recognised_by_their_content(name, content, expected):
    assert validate_upload(upload(name, content, content_type="application/x-whatever")) == expected


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("invoice.pdf", EXE, "is not a file type we accept"),  # a program renamed to .pdf
        ("setup.exe", EXE, "is not a file type we accept"),
        ("notes.txt", EXE, "is not plain text"),
        ("archive.zip", ZIP, "is not a file type we accept"),
        ("macro.docm", ZIP, "is not a file type we accept"),
        ("page.html", b"<html><body>hi</body></html>", "is not a file type we accept"),
        ("page.txt", b"  <!DOCTYPE html><html><script>alert(1)</script>", "looks like a web page"),
        (
            "logo.txt",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            "looks like a web page",
        ),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "is not a file type we accept"),
        ("latin1.txt", "Gr\u00fc\u00dfe".encode("latin-1"), "is not plain text"),
        ("mail.eml", b"Hello, this is just text\n\nwith no headers\n", "is not a saved email"),
    ],
)
def test_other_files_are_refused_with_what_is_allowed(name, content, why):
    with pytest.raises(ValidationError) as error:
        validate_upload(upload(name, content, content_type="application/pdf"))
    message = error.value.messages[0]
    assert why in message
    assert "Allowed: PDF, PNG, JPEG, GIF or WebP images, plain text (.txt, .log, .csv)" in message


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="is empty"):
        validate_upload(upload("empty.txt", b""))


def test_a_file_over_the_limit_is_refused_naming_the_limit(settings):
    settings.INCIDENT_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    big = upload("capture.png", PNG + b"\x00" * (2 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        validate_upload(big)
    assert error.value.messages == ["“capture.png” is too large: files may be at most 2 MB."]


def test_a_file_is_stored_outside_the_web_root_under_a_random_name(staff, attachments_dir):
    incident = IncidentFactory(reported_by=staff)
    attachment = attachment_add(
        actor=staff, incident=incident, upload=upload("../../etc/Phish mail.eml", EML)
    )
    stored = attachments_dir / attachment.file.name
    assert stored.read_bytes() == EML
    assert stored_files(attachments_dir) == [stored]
    assert "Phish" not in attachment.file.name
    assert not attachment.file.name.endswith(".eml")
    static_root = settings.STATIC_ROOT.resolve()
    assert static_root not in stored.resolve().parents
    assert all(folder.resolve() not in stored.resolve().parents for folder in settings.STATICFILES_DIRS)
    assert attachment.original_name == "Phish mail.eml"
    assert attachment.size == len(EML)
    assert attachment.sha256 == hashlib.sha256(EML).hexdigest()
    assert attachment.content_type == "message/rfc822"


def test_a_file_whose_name_lies_downloads_with_the_right_extension(staff):
    incident = IncidentFactory(reported_by=staff)
    attachment = attachment_add(actor=staff, incident=incident, upload=upload("photo.exe", PNG))
    assert attachment.original_name == "photo.exe.png"


def test_adding_a_file_writes_a_timeline_line_and_an_audit_event(staff):
    incident = IncidentFactory(reported_by=staff)
    attachment = attachment_add(actor=staff, incident=incident, upload=upload("shot.png", PNG))
    line = attachment.event
    assert line.kind == EventKind.ATTACHMENT
    assert line.internal is False
    assert "shot.png" in line.text
    assert AuditEvent.objects.filter(action="incident.attachment_added", object_id=str(incident.pk)).exists()


def test_a_file_on_an_internal_line_is_internal(staff, security_officer):
    incident = IncidentFactory(reported_by=staff)
    note = IncidentEventFactory(incident=incident, actor=security_officer, internal=True)
    attachment = attachment_add(
        actor=security_officer, incident=incident, upload=upload("a.pdf", PDF), event=note
    )
    assert attachment.internal is True
    assert attachment.event == note
    assert incident.events.count() == 1  # the file hangs on the note: no line of its own


def test_only_the_reporter_and_responders_add_files_and_only_responders_internal_ones(
    staff, outsider, auditor, security_officer
):
    incident = IncidentFactory(reported_by=staff)
    for person in (outsider, auditor):
        with pytest.raises(PermissionDenied):
            attachment_add(actor=person, incident=incident, upload=upload("a.pdf", PDF))
    with pytest.raises(PermissionDenied):
        attachment_add(actor=staff, incident=incident, upload=upload("a.pdf", PDF), internal=True)
    assert attachment_add(
        actor=security_officer, incident=incident, upload=upload("a.pdf", PDF), internal=True
    )


def test_a_refused_file_leaves_nothing_behind(staff, attachments_dir):
    incident = IncidentFactory(reported_by=staff)
    with pytest.raises(ValidationError):
        attachment_add(actor=staff, incident=incident, upload=upload("invoice.pdf", EXE))
    assert not IncidentAttachment.objects.exists()
    assert stored_files(attachments_dir) == []


def test_internal_files_are_hidden_from_the_plain_reporter(staff, security_officer, auditor, outsider):
    incident = IncidentFactory(reported_by=staff)
    shared = attachment_add(actor=staff, incident=incident, upload=upload("shot.png", PNG))
    internal = attachment_add(
        actor=security_officer, incident=incident, upload=upload("log.txt", b"x"), internal=True
    )
    assert list(attachments_visible_to(staff, incident)) == [shared]
    assert list(attachments_visible_to(security_officer, incident)) == [shared, internal]
    assert list(attachments_visible_to(auditor, incident)) == [shared, internal]
    assert list(attachments_visible_to(outsider, incident)) == []
