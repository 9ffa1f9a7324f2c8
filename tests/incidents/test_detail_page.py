"""What the incident page shows: facts, severity definitions, the timeline in order, files and follow-ups."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Severity, Status
from incidents.models import IncidentAttachment
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import IncidentEventFactory

pytestmark = pytest.mark.django_db


def page_for(client, incident):
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_triage_form_shows_the_severity_definitions(client_for, staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    page = page_for(client_for(security_officer), incident)
    assert 'data-testid="triage-form"' in page
    assert "SEV1: Critical: any exposure of personal or customer data" in page
    assert "Not an incident? Dismiss it" in page
    assert f'action="{reverse("incidents:acknowledge", args=[incident.pk])}"' in page
    assert "style=" not in page
    assert "<script>" not in page


def test_the_header_shows_severity_with_its_definition_and_acknowledgement(
    client_for, staff, security_officer
):
    incident = incident_at(
        Status.INVESTIGATING,
        reporter=staff,
        handler=security_officer,
        severity=Severity.SEV2,
        acknowledged_at=timezone.now(),
        acknowledged_by=security_officer,
    )
    page = page_for(client_for(staff), incident)
    assert "<strong>SEV2</strong>" in page
    assert "Major: a confirmed compromise" in page
    assert "by Olga Officer, <time datetime=" in page


def test_the_timeline_is_oldest_first_with_actor_and_time(client_for, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    start = timezone.now() - datetime.timedelta(hours=3)
    for hours, text in ((2, "Second"), (0, "First"), (1, "Middle")):
        IncidentEventFactory(
            incident=incident, actor=security_officer, text=text, at=start + datetime.timedelta(hours=hours)
        )
    page = page_for(client_for(security_officer), incident)
    assert page.index("First") < page.index("Middle") < page.index("Second")
    assert "Olga Officer · <time datetime=" in page


def test_the_next_statuses_and_going_back_are_offered(client_for, staff, security_officer):
    incident = incident_at(Status.CONTAINED, reporter=staff, handler=security_officer)
    page = page_for(client_for(security_officer), incident)
    assert 'value="resolved"' in page
    assert '<option value="investigating">Investigating</option>' in page
    assert 'value="closed"' not in page


def test_the_close_form_and_the_review_for_a_resolved_sev1(client_for, staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer, severity=Severity.SEV1)
    page = page_for(client_for(security_officer), incident)
    assert 'data-testid="close-form"' in page
    assert 'data-testid="review-needed"' in page
    assert "Record the review" in page


def test_internal_files_are_listed_for_responders_only(client_for, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    for name, internal in (("shared.pdf", False), ("forensics.pdf", True)):
        IncidentAttachment.objects.create(
            incident=incident, file=f"x/{name}", original_name=name, content_type="application/pdf",
            size=10, sha256="0" * 64, internal=internal, uploaded_by=security_officer,
        )  # fmt: skip
    officer_page = page_for(client_for(security_officer), incident)
    assert "shared.pdf" in officer_page
    assert "forensics.pdf" in officer_page
    reporter_page = page_for(client_for(staff), incident)
    assert "shared.pdf" in reporter_page
    assert "forensics.pdf" not in reporter_page
    shared = IncidentAttachment.objects.get(original_name="shared.pdf")
    assert reverse("incidents:attachment", args=[shared.pk]) in reporter_page


def test_follow_ups_are_not_shown_to_the_reporter(client_for, staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    incident.followups.create(title="Rotate the keys", owner=security_officer, due_on=timezone.localdate())
    assert "Rotate the keys" in page_for(client_for(security_officer), incident)
    assert "Rotate the keys" not in page_for(client_for(staff), incident)
