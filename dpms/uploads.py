"""Uploaded files checked by their content, for every app that keeps files people send (incidents'
attachments, a policy attestation's screenshot): ``inspect_upload`` says what a file is, or refuses it.

What a file is comes from its first bytes, never from its name or the browser's content type: a program
renamed ``invoice.pdf`` is refused. Text is accepted only as plain text (.txt, .log, .csv: UTF-8 without NUL
bytes, not starting like a web page or an SVG image, which a browser could run) or as a saved email (.eml:
RFC 822 headers, then the body). Where the file is then kept, and who may download it, is the caller's:
outside the web root under a random name, served by a view that asks its app's queries.
"""

import codecs
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ALLOWED_TYPES_TEXT = gettext_lazy(
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


def megabytes(size: int) -> str:
    """A size limit as people read it: "10 MB", "2.5 MB"."""
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


def _refused(message: str, name: str) -> ValidationError:
    """A refusal of the file's type: ``message`` names the file and what is allowed."""
    return ValidationError(message % {"name": name, "allowed": ALLOWED_TYPES_TEXT}, code="file_type")


def inspect_upload(upload, *, max_bytes: int) -> Inspected:
    """Check one uploaded file (at most ``max_bytes``, its type by its content) and return what it is;
    ``ValidationError`` with a message naming the file and what is allowed otherwise. Reads the file once,
    in chunks, and leaves it at its start for the caller to store."""
    name = safe_name(getattr(upload, "name", ""))
    declared = getattr(upload, "size", None)
    if declared is not None and declared > max_bytes:
        raise ValidationError(
            _("“%(name)s” is too large: files may be at most %(limit)s.")
            % {"name": name, "limit": megabytes(max_bytes)},
            code="file_size",
        )
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    is_utf8, has_nul, size = True, False, 0
    head = b""
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:
            raise ValidationError(
                _("“%(name)s” is larger than %(limit)s.") % {"name": name, "limit": megabytes(max_bytes)},
                code="file_size",
            )
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
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")

    content_type = _binary_type(head)
    extension = os.path.splitext(name)[1].lower()
    if not content_type:
        if extension in TEXT_EXTENSIONS:
            if has_nul or not is_utf8:
                raise _refused(
                    _("“%(name)s” is not plain text (UTF-8 without binary content). Allowed: %(allowed)s."),
                    name,
                )
            text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
            if MARKUP_START.match(text):
                raise _refused(
                    _(
                        "“%(name)s” looks like a web page or an SVG image, which could run scripts. "
                        "Allowed: %(allowed)s."
                    ),
                    name,
                )
            content_type = TEXT_EXTENSIONS[extension]
        elif extension == EMAIL_EXTENSION:
            if has_nul or not _is_email(head):
                raise _refused(
                    _(
                        "“%(name)s” is not a saved email (header lines, an empty line, then the message). "
                        "Allowed: %(allowed)s."
                    ),
                    name,
                )
            content_type = "message/rfc822"
        else:
            raise _refused(_("“%(name)s” is not a file type we accept. Allowed: %(allowed)s."), name)
    # The download keeps an extension that matches what the file is (a PNG called "photo.exe" downloads
    # as "photo.exe.png"), so no program opens it as something else.
    if extension not in EXTENSIONS[content_type]:
        name = safe_name(name[: MAX_NAME - 6] + EXTENSIONS[content_type][0])
    return Inspected(content_type=content_type, name=name, size=size, sha256=digest.hexdigest())
