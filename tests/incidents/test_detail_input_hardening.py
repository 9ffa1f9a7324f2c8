"""Hostile or careless input gets a message, never a 500, and nothing half-saved: bodies too large for any
form, too many files, dates at the ends of the calendar, ids beyond the database's integers."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.choices import Status
from incidents.models import Incident, IncidentAttachment
from tests.access.factories import SystemFactory
from tests.incidents.detail_support import PDF, incident_at
from tests.incidents.reporting_support import (
    attachments_dir_fixture,  # noqa: F401 - fixture
    filled,
)
from tests.risk.factories import RiskFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachments_dir")]

REPORT = reverse("incidents:report")
HUGE_ID = "99999999999999999999"


def pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_a_body_over_the_limit_is_refused_before_it_is_read(client_for, staff, settings):
    settings.DATA_UPLOAD_MAX_BYTES = 2048
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 4096, content_type="application/pdf")
    response = client_for(staff).post(REPORT, filled(attachments=[big]))
    assert response.status_code == 413
    assert "That upload is too large" in response.content.decode()
    assert not Incident.objects.exists()


def test_a_comment_takes_at_most_five_files(client_for, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    files = [pdf(f"page-{n}.pdf") for n in range(6)]
    response = client_for(security_officer).post(
        reverse("incidents:comment", args=[incident.pk]),
        {"text": "Scans", "visibility": "internal", "files": files},
    )
    assert response.status_code == 400
    assert "Attach at most 5 files at a time." in response.content.decode()
    assert not IncidentAttachment.objects.exists()


@pytest.mark.parametrize("field", ["noticed_at", "occurred_at"])
def test_a_time_at_the_start_of_the_calendar_is_a_form_error(client_for, staff, field):
    response = client_for(staff).post(REPORT, filled(**{field: "0001-01-01T00:30"}))
    assert response.status_code == 400
    assert "Choose a date between 1900 and 9998." in response.content.decode()
    assert not Incident.objects.exists()


def test_an_awareness_time_at_the_start_of_the_calendar_is_a_form_error(client_for, staff, security_officer):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer)
    response = client_for(security_officer).post(
        reverse("incidents:breach_mark", args=[incident.pk]),
        {"breach-mark-aware_at": "0001-01-01T00:30", "breach-mark-aware_at_reason": "Found in the logs"},
    )
    assert response.status_code == 400
    assert "Choose a date between 1900 and 9998." in response.content.decode()
    incident.refresh_from_db()
    assert not incident.is_breach


def test_an_id_beyond_the_databases_integers_is_a_form_error(client_for, staff, security_officer):
    response = client_for(staff).post(REPORT, filled(systems=[HUGE_ID]))
    assert response.status_code == 400
    assert not Incident.objects.exists()
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    incident.risks.add(RiskFactory())
    incident.systems.add(SystemFactory())
    response = client_for(security_officer).post(
        reverse("incidents:links", args=[incident.pk]),
        {"keep_risks": [HUGE_ID], "keep_systems": [HUGE_ID], "add_risks": HUGE_ID},
    )
    assert response.status_code == 400
    assert "The links changed while you were editing them" in response.content.decode()
    assert incident.risks.count() == 1


def test_a_noticed_time_decades_ago_is_a_typo(client_for, staff):
    response = client_for(staff).post(REPORT, filled(noticed_at="1926-03-01T10:00"))
    assert response.status_code == 400
    assert "Check the year" in response.content.decode()
    assert not Incident.objects.exists()
