"""dpms.uploads: a file is what its first bytes say, under its caller's size limit, with a safe name."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from dpms.uploads import inspect_upload, safe_name

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 60
LIMIT = 1024 * 1024


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_file_is_described_by_its_content_size_and_hash():
    found = inspect_upload(upload("screen.png", PNG, "text/html"), max_bytes=LIMIT)
    assert (found.content_type, found.name, found.size) == ("image/png", "screen.png", len(PNG))
    assert found.sha256 == hashlib.sha256(PNG).hexdigest()


def test_the_file_is_left_at_its_start_for_the_caller_to_store():
    file = upload("screen.png", PNG)
    inspect_upload(file, max_bytes=LIMIT)
    assert file.read() == PNG


def test_a_name_that_lies_about_the_content_gets_the_content_s_extension():
    assert inspect_upload(upload("photo.exe", PNG), max_bytes=LIMIT).name == "photo.exe.png"


def test_the_limit_is_the_caller_s():
    file = upload("screen.png", PNG + b"\x00" * 2048)
    assert inspect_upload(file, max_bytes=4096).size == len(PNG) + 2048
    with pytest.raises(ValidationError) as error:
        inspect_upload(file, max_bytes=1024)
    assert error.value.code == "file_size"
    assert "screen.png" in error.value.messages[0]


def test_a_file_larger_than_it_declared_is_refused_while_reading():
    file = upload("screen.png", PNG + b"\x00" * 4096)
    file.size = 10  # a client that lies about the size is caught counting the chunks
    with pytest.raises(ValidationError, match="is larger than"):
        inspect_upload(file, max_bytes=1024)


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("invoice.pdf", EXE, "is not a file type we accept"),
        ("page.txt", b"<html><script>alert(1)</script>", "looks like a web page"),
        ("notes.txt", b"a\x00b", "is not plain text"),
        ("empty.png", b"", "is empty"),
    ],
)
def test_refusals_name_the_file_and_what_is_wrong(name, content, why):
    with pytest.raises(ValidationError) as error:
        inspect_upload(upload(name, content), max_bytes=LIMIT)
    message = error.value.messages[0]
    assert name in message
    assert why in message


def test_a_type_refusal_says_what_is_allowed_in_the_reader_s_language():
    with translation.override("en"), pytest.raises(ValidationError) as error:
        inspect_upload(upload("setup.exe", EXE), max_bytes=LIMIT)
    assert "Allowed: PDF, PNG, JPEG, GIF or WebP images" in error.value.messages[0]


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\sam\\disk.png", "disk.png"),
        ('a"<b>.png', "ab.png"),
        ("line\nbreak.png", "linebreak.png"),
        ("   ", "attachment"),
    ],
)
def test_a_safe_name_keeps_only_the_file_s_own_printable_name(given, kept):
    assert safe_name(given) == kept
