"""Files on incidents: checked by their content, stored outside the web root under a random name, and served
only to the people who may see them (``incidents.views.reporting.attachment_download``).

What a file is comes from its first bytes, never from its name or the browser's content type: a program
renamed ``invoice.pdf`` is refused. Text is accepted only as plain text (.txt, .log, .csv: UTF-8 without NUL
bytes, not starting like a web page or an SVG image, which a browser could run) or as a saved email (.eml:
RFC 822 headers, then the body).
"""

import codecs
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from dpms import audit
from incidents.choices import EventKind
from incidents.models import Incident, IncidentAttachment, IncidentEvent
from incidents.queries.visibility import is_outside_reporter, is_responder
from incidents.services import timeline

ALLOWED_TYPES_TEXT = (
    "PDF, PNG, JPEG, GIF or WebP images, plain text (.txt, .log, .csv) and saved emails (.eml)"
)
# content type -> the extensions a file of that type may keep (the first is added when the name has none).
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "text/plain": (".txt", ".log"),
    "text/csv": (".csv",),
    "message/rfc822": (".eml",),
}
TEXT_EXTENSIONS = {".txt": "text/plain", ".log": "text/plain", ".csv": "text/csv"}
EMAIL_EXTENSION = ".eml"
HEAD_BYTES = 64 * 1024  # enough of a file's start to recognise it and read an email's headers
# Text whose first non-blank characters open a tag: HTML, XML or SVG. A browser that renders it runs its
# scripts, so it is not "plain text" whatever the file is called.
MARKUP_START = re.compile(r"\s*<\s*[a-zA-Z!?/]")
# RFC 5322 field name: printable ASCII but the colon, then a colon.
HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+[ \t]*:")
EMAIL_HEADERS = {b"from", b"to", b"subject", b"date", b"message-id", b"received", b"return-path"}
MAX_NAME = 200


@dataclass(frozen=True)
class Inspected:
    """What a checked upload is: its content type, a safe display name, its size and SHA-256."""

    content_type: str
    name: str
    size: int
    sha256: str


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"


def safe_name(name: str) -> str:
    """The file's own name without any folder, control or quoting characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*')
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "attachment"
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        ext = ext[:20]
        name = stem[: MAX_NAME - len(ext)].rstrip(" .") + ext
    return name


def _refuse(name: str, why: str) -> ValidationError:
    return ValidationError(f"“{name}” {why} Allowed: {ALLOWED_TYPES_TEXT}.", code="file_type")


def _binary_type(head: bytes) -> str:
    """The content type a file's first bytes announce, or "" when it is none of the allowed binary types."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    return ""


def _is_email(head: bytes) -> bool:
    """RFC 822: header fields (with folded continuation lines) up to an empty line, then the body."""
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    if lines and lines[0].startswith(b"From "):  # an mbox separator line before the headers
        lines = lines[1:]
    names: list[bytes] = []
    for line in lines:
        if not line:
            break
        if line[:1] in (b" ", b"\t") and names:
            continue
        if not HEADER_LINE.match(line):
            return False
        names.append(line.split(b":", 1)[0].strip().lower())
    else:
        # No empty line in the head: only a very short file may be all headers.
        if len(head) >= HEAD_BYTES:
            return False
    return len(names) >= 2 and any(name in EMAIL_HEADERS for name in names)


def inspect_upload(upload) -> Inspected:
    """Check one uploaded file (size, type by content) and return what it is; ``ValidationError`` with a
    message naming the file and what is allowed otherwise. Reads the file once, in chunks."""
    name = safe_name(getattr(upload, "name", ""))
    limit = settings.INCIDENT_ATTACHMENT_MAX_BYTES
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise ValidationError(
            f"“{name}” is too large: files may be at most {_megabytes(limit)}.", code="file_size"
        )
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    is_utf8, has_nul, size = True, False, 0
    head = b""
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise ValidationError(f"“{name}” is larger than {_megabytes(limit)}.", code="file_size")
        digest.update(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        has_nul = has_nul or b"\x00" in chunk
        if is_utf8:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if hasattr(upload, "seek"):
        upload.seek(0)
    if size == 0:
        raise ValidationError(f"“{name}” is empty.", code="file_empty")

    content_type = _binary_type(head)
    extension = os.path.splitext(name)[1].lower()
    if not content_type:
        if extension in TEXT_EXTENSIONS:
            if has_nul or not is_utf8:
                raise _refuse(name, "is not plain text (UTF-8 without binary content).")
            text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
            if MARKUP_START.match(text):
                raise _refuse(name, "looks like a web page or an SVG image, which could run scripts.")
            content_type = TEXT_EXTENSIONS[extension]
        elif extension == EMAIL_EXTENSION:
            if has_nul or not _is_email(head):
                raise _refuse(name, "is not a saved email (header lines, an empty line, then the message).")
            content_type = "message/rfc822"
        else:
            raise _refuse(name, "is not a file type we accept.")
    # The download keeps an extension that matches what the file is (a PNG called "photo.exe" downloads
    # as "photo.exe.png"), so no program opens it as something else.
    if extension not in EXTENSIONS[content_type]:
        name = safe_name(name[: MAX_NAME - 6] + EXTENSIONS[content_type][0])
    return Inspected(content_type=content_type, name=name, size=size, sha256=digest.hexdigest())


def validate_upload(upload) -> str:
    """Check one uploaded file; returns its detected content type or raises ``ValidationError``."""
    return inspect_upload(upload).content_type


@transaction.atomic
def attachment_add(
    *, actor, incident: Incident, upload, internal: bool = False, event: IncidentEvent | None = None
) -> IncidentAttachment:
    """Store ``upload`` on ``incident`` (checked first) and put it on the timeline.

    Without ``event`` a timeline line "Attached …" (kind ATTACHMENT, ``internal`` as given) carries the
    file; with ``event`` (the report, a comment) the file hangs on that line instead, and an attachment of
    an internal line is internal. The reporter adds files visible to everyone who sees the incident;
    responders may also add internal ones. Either way the audit trail gets "incident.attachment_added".
    """
    if event is not None:
        if event.incident_id != incident.pk:
            raise ValidationError("That timeline line belongs to another incident.")
        internal = internal or event.internal
    responder = is_responder(actor, incident)
    reporter = actor.is_active or is_outside_reporter(actor)  # an outsider adds to their report by its link
    if not (responder or (reporter and incident.reported_by_id == actor.pk)):
        raise PermissionDenied("Only the reporter, the handler and the security officers add files.")
    if internal and not responder:
        raise PermissionDenied("Only the handler and the security officers add internal files.")
    found = inspect_upload(upload)
    now = timezone.now()
    attachment = IncidentAttachment(
        incident=incident,
        event=event,
        original_name=found.name,
        content_type=found.content_type,
        size=found.size,
        sha256=found.sha256,
        internal=internal,
        uploaded_by=actor,
        uploaded_at=now,
    )
    # upload_to ignores the name given here: the stored name is random (YYYY/MM/<uuid>).
    attachment.file.save(found.name, upload, save=False)
    try:
        data = {
            "name": found.name,
            "content_type": found.content_type,
            "size": found.size,
            "sha256": found.sha256,
            "internal": internal,
        }
        if event is None:
            event = timeline.log(
                incident=incident,
                kind=EventKind.ATTACHMENT,
                actor=actor,
                internal=internal,
                text=f"Attached {found.name} ({_size_text(found.size)}).",
                data=data,
                at=now,
            )
            attachment.event = event
        attachment.save()
        audit.record(
            action="incident.attachment_added",
            actor=actor,
            obj=incident,
            changes={**data, "attachment": attachment.pk, "event": event.pk},
        )
        Incident.objects.filter(pk=incident.pk).update(updated_at=now)
    except Exception:
        attachment.file.delete(save=False)  # no row points to it: do not keep the file
        raise
    return attachment


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
