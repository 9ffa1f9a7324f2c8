"""Shared by the reporting tests: a filled report form, attachments stored in a temporary folder, and sample
files of each kind."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.functional import empty

from incidents.choices import Category, PersonalData
from incidents.models import attachment_storage

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
GIF = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 30
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 60
ZIP = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40
EML = (
    b"Return-Path: <bad@example.net>\r\n"
    b"From: IT Support <bad@example.net>\r\n"
    b"To: sam.staff@example.com\r\n"
    b"Subject: Confirm your password\r\n"
    b"\tnow\r\n"
    b"Date: Mon, 2 Mar 2026 09:12:00 +0100\r\n"
    b"\r\n"
    b"Click here to keep your mailbox.\r\n"
)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(name="attachments_dir")
def attachments_dir_fixture(settings, tmp_path):
    """Attachments go to a temporary folder (never data/): the storage is lazy, so it is rebuilt here."""
    settings.INCIDENT_ATTACHMENTS_DIR = tmp_path / "attachments"
    attachment_storage._wrapped = empty
    yield settings.INCIDENT_ATTACHMENTS_DIR
    attachment_storage._wrapped = empty


def stored_files(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def local_input(value: datetime.datetime) -> str:
    """What a datetime-local input sends: the viewer's wall-clock time, to the minute."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def filled(**values):
    data = {
        "title": "Email asking for my password",
        "description": "It came from it-support@examp1e.com.",
        "category": Category.PHISHING,
        "noticed_at": local_input(timezone.now() - datetime.timedelta(minutes=5)),
        "personal_data": PersonalData.UNKNOWN,
    }
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}
