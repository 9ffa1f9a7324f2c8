"""Reporting an incident through the API: JSON, or multipart/form-data with files checked as on the report
page (type by content, size, at most five); a retried call with the same Idempotency-Key reports once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent
from incidents.models import Incident, IncidentAttachment
from tests.access.factories import SystemFactory
from tests.dpms.api_support import api_client, token_for
from tests.incidents.reporting_support import (  # noqa: F401 - fixtures
    EXE,
    PNG,
    attachments_dir_fixture,
    stored_files,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachments_dir")]

REPORT = reverse("api:incident-list")


def report(**extra):
    noticed = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    return {
        "title": "Email asking for my password",
        "description": "It looked like our IT desk.",
        "category": "phishing",
        "noticed_at": noticed,
    } | extra


@pytest.fixture
def api(staff):
    return api_client(token_for(staff, read_only=False)[1])


def test_a_json_report_is_the_report_pages_service(api, staff):
    crm = SystemFactory(name="CRM")
    response = api.post(REPORT, report(systems=[crm.pk], personal_data="yes"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("INC-")
    assert (body["status"], body["personal_data"], body["systems"]) == ("reported", "yes", ["CRM"])
    incident = Incident.objects.get()
    assert incident.reported_by == staff
    assert AuditEvent.objects.get(action="incident.reported").source == "api"


def test_files_come_as_multipart_and_are_checked_by_their_content(api, attachments_dir):
    data = report(attachments=[upload("shot.png", PNG), upload("log.txt", b"all fine\n")])
    response = api.post(REPORT, data, format="multipart")
    assert response.status_code == 201, response.json()
    assert sorted(IncidentAttachment.objects.values_list("original_name", flat=True)) == [
        "log.txt",
        "shot.png",
    ]
    assert len(stored_files(attachments_dir)) == 2


def test_a_disallowed_file_refuses_the_whole_report(api, attachments_dir):
    response = api.post(
        REPORT, report(attachments=[upload("shot.png", PNG), upload("invoice.pdf", EXE)]), format="multipart"
    )
    assert response.status_code == 400
    assert "attachments" in response.json()["errors"]
    assert not Incident.objects.exists()
    assert stored_files(attachments_dir) == []


def test_the_page_limits_apply(api, settings):
    settings.INCIDENT_ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = upload("big.png", PNG + b"\x00" * (1024 * 1024))
    response = api.post(REPORT, report(attachments=[big]), format="multipart")
    assert response.status_code == 400
    assert "at most 1 MB" in str(response.json()["errors"]["attachments"])
    files = [upload(f"shot{n}.png", PNG) for n in range(6)]
    response = api.post(REPORT, report(attachments=files), format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["attachments"] == ["Attach at most 5 files."]
    assert not Incident.objects.exists()


def test_mistakes_are_field_errors_and_nothing_is_saved(api):
    future = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = api.post(REPORT, report(title="", category="nope", noticed_at=future), format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"title", "category"}
    response = api.post(REPORT, report(noticed_at=future), format="json")
    assert response.json()["errors"] == {"noticed_at": ["The time it was noticed cannot be in the future."]}
    response = api.post(REPORT, report(noticed_at=["x"], systems="CRM"), format="json")
    assert response.status_code == 400
    assert not Incident.objects.exists()


def test_a_retry_with_the_same_key_reports_once_even_with_files(api):
    fields = report()
    first = api.post(
        REPORT,
        fields | {"attachments": [upload("shot.png", PNG)]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    # The retry is a new multipart body (another boundary) with the same fields and file.
    again = api.post(
        REPORT,
        fields | {"attachments": [upload("shot.png", PNG)]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert Incident.objects.count() == 1
    other = api.post(
        REPORT,
        fields | {"attachments": [upload("shot.png", PNG + b"!")]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 422


def test_a_read_only_token_may_not_report(staff):
    response = api_client(token_for(staff)[1]).post(REPORT, report(), format="json")
    assert response.status_code == 403
    assert not Incident.objects.exists()


def test_only_the_report_takes_multipart(api, security_officer):
    response = api.post(reverse("api:incident-mine"), {"x": "1"}, format="multipart")
    assert response.status_code in (405, 415)
