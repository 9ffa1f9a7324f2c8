"""Helpers of the disclosure intake tests: the intake system, a filled report form (started long enough ago
to pass the time check), and a report sent through the public page."""

import time

import pytest
from django.urls import reverse

from tests.access.factories import SystemFactory
from tests.incidents.reporting_support import attachments_dir_fixture, upload  # noqa: F401 - fixture, helper
from vulnerabilities.forms.disclosures import fill_token

REPORT = reverse("security:report")


@pytest.fixture(name="intake")
def intake_fixture(settings, security_officer, attachments_dir):
    """The system public reports land on (named by DISCLOSURE_SYSTEM), owned by the security officer."""
    settings.DISCLOSURE_SYSTEM = "Public website"
    return SystemFactory(name="Public website", owner=security_officer)


def filled(**changes) -> dict:
    data = {
        "title": "Stored XSS in the contact form",
        "location": "https://www.example.com/contact",
        "steps": "1. Put <script>alert(1)</script> in the message.\n2. Open the admin inbox.",
        "reporter_contact": "researcher@example.net",
        "pgp_key": "",
        "website": "",
        "started": fill_token(time.time() - 60),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def send(client, **changes):
    return client.post(REPORT, filled(**changes))


def tracking_path(response) -> str:
    """The private link's path, from the page that shows it once."""
    link = response.context["link"]
    return link[link.index("/security/report/") :]
