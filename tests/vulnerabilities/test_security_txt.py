"""/.well-known/security.txt per RFC 9116, generated from the settings: Contact, Expires (in the future,
within a year), Policy, Preferred-Languages and Canonical."""

import datetime

import pytest
from django.urls import reverse

URL = "/.well-known/security.txt"


def fields(response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in response.content.decode().splitlines():
        name, _, value = line.partition(": ")
        found.setdefault(name, []).append(value)
    return found


def test_the_defaults_point_at_the_report_form(client, settings):
    settings.SITE_URL = "https://dpms.example.com"
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.endswith(b"\n")
    got = fields(response)
    assert got["Contact"] == ["https://dpms.example.com/security/report"]
    assert got["Policy"] == ["https://dpms.example.com/security/report"]
    assert got["Preferred-Languages"] == ["en"]
    assert got["Canonical"] == ["https://dpms.example.com/.well-known/security.txt"]
    assert reverse("security:txt") == URL
    assert "Encryption" not in got


def test_expires_is_in_the_future_within_a_year(client):
    expires = datetime.datetime.strptime(fields(client.get(URL))["Expires"][0], "%Y-%m-%dT%H:%M:%SZ")
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert now < expires < now + datetime.timedelta(days=365)


def test_settings_fill_the_fields(client, settings):
    settings.SECURITY_CONTACT = "mailto:security@example.com"
    settings.SECURITY_ENCRYPTION_URL = "https://example.com/pgp-key.txt"
    settings.SECURITY_PREFERRED_LANGUAGES = "en, de"
    settings.SECURITY_TXT_EXPIRES_DAYS = 30
    got = fields(client.get(URL))
    assert got["Contact"] == ["mailto:security@example.com"]
    assert got["Encryption"] == ["https://example.com/pgp-key.txt"]
    assert got["Preferred-Languages"] == ["en, de"]
    expires = datetime.datetime.strptime(got["Expires"][0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    assert expires - datetime.datetime.now(datetime.UTC) < datetime.timedelta(days=31)


@pytest.mark.parametrize("field", ["Contact", "Expires", "Policy", "Preferred-Languages", "Canonical"])
def test_each_field_appears_once_except_contact(client, field):
    assert len(fields(client.get(URL))[field]) == 1
