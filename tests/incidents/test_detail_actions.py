"""The page's actions through the browser's forms: success redirects back with a message; a refusal shows the
page again with the error next to the field (400) and saves nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import Notification
from incidents.choices import EventKind, Severity, Status
from incidents.models import FollowUpAction, IncidentEvent
from tests.factories import UserFactory
from tests.incidents.detail_support import PDF, files_dir_fixture, incident_at, upload  # noqa: F401 - fixture
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client_for, security_officer):
    return client_for(security_officer)


def post(client, incident, name, data, **kwargs):
    return client.post(reverse(f"incidents:{name}", args=[incident.pk]), data, **kwargs)


def test_triage_through_the_form(officer, staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    response = post(
        officer,
        incident,
        "triage",
        {"severity": "1", "handler": security_officer.pk, "category": "phishing", "is_breach": "on"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("incidents:detail", args=[incident.pk])
    assert "triaged as SEV1" in response.content.decode()
    incident.refresh_from_db()
    assert (incident.status, incident.severity, incident.is_breach) == (Status.TRIAGED, 1, True)


def test_triage_without_a_severity_shows_the_error(officer, staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    response = post(officer, incident, "triage", {"handler": security_officer.pk, "category": "phishing"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.REPORTED


def test_closing_without_root_cause_shows_field_errors(officer, staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    response = post(officer, incident, "close", {"root_cause": "", "lessons_learned": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Closing needs the root cause." in page
    assert "Closing needs the lessons learned." in page
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


def test_closing_a_sev2_without_review_says_so(officer, staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer, severity=Severity.SEV2)
    response = post(officer, incident, "close", {"root_cause": "Filter", "lessons_learned": "Train"})
    assert response.status_code == 400
    assert "needs a post-incident review" in response.content.decode()


def test_review_then_close(officer, staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer, severity=Severity.SEV1)
    today = timezone.localdate().isoformat()
    data = {"held_on": today, "participants": "Olga", "summary": "", "actions": "Tighten the filter"}
    assert post(officer, incident, "review", data).status_code == 302
    assert (
        post(officer, incident, "close", {"root_cause": "Filter", "lessons_learned": "Train"}).status_code
        == 302
    )
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED


def test_moving_forward_and_back(officer, staff, security_officer):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer)
    assert post(officer, incident, "transition", {"to": "contained"}).status_code == 302
    response = post(officer, incident, "transition", {"to": "investigating", "reason": ""})
    assert response.status_code == 400
    assert "Going back needs a reason." in response.content.decode()
    assert (
        post(officer, incident, "transition", {"to": "investigating", "reason": "Still in"}).status_code
        == 302
    )
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING


def test_a_refused_move_names_the_allowed_statuses(officer, staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    response = post(officer, incident, "transition", {"to": "investigating"})
    assert response.status_code == 400
    assert "triage or dismiss it" in response.content.decode()


def test_acknowledging_twice_is_refused_with_who_and_when(officer, staff, security_officer):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer)
    assert post(officer, incident, "acknowledge", {}).status_code == 302
    response = post(officer, incident, "acknowledge", {})
    assert response.status_code == 400
    assert "Already acknowledged by Olga Officer" in response.content.decode()


def test_the_reporter_adds_information_with_a_file(client_for, staff, security_officer, files_dir):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    response = post(
        client_for(staff), incident, "comment", {"text": "Here is the mail", "files": [upload("m.pdf", PDF)]}
    )
    assert response.status_code == 302
    event = IncidentEvent.objects.get(kind=EventKind.INFO)
    assert event.attachments.get().original_name == "m.pdf"
    assert Notification.objects.filter(
        recipient=security_officer, subject__contains="New information"
    ).exists()
    page = client_for(staff).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Here is the mail" in page
    assert "m.pdf" in page


def test_internal_comments_are_hidden_from_the_reporter(client_for, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    officer = client_for(security_officer)
    post(officer, incident, "comment", {"text": "Looks like a targeted attack", "visibility": "internal"})
    post(officer, incident, "comment", {"text": "Thanks, we are on it", "visibility": "visible"})
    page = client_for(staff).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Thanks, we are on it" in page
    assert "targeted attack" not in page


def test_a_follow_up_is_added_and_its_owner_sets_the_status(client_for, staff, security_officer, manager):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    response = post(
        client_for(security_officer),
        incident,
        "followup_add",
        {"title": "Rotate keys", "owner": manager.pk, "due_on": due},
    )
    assert response.status_code == 302
    action = FollowUpAction.objects.get()
    status_url = reverse("incidents:followup_status", args=[incident.pk, action.pk])
    assert (
        client_for(manager).post(status_url, {"status": "done"}).status_code == 302
    )  # shared with the owner
    action.refresh_from_db()
    assert action.status == "done"
    assert client_for(staff).post(status_url, {"status": "open"}).status_code == 403


def test_links_through_the_form(officer, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    risk = RiskFactory(reference="R-042", title="Phishing")
    assert post(officer, incident, "links", {"add_risks": "r-042"}).status_code == 302
    page = officer.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "R-042 Phishing" in page
    assert list(incident.risks.all()) == [risk]


def test_sharing_with_an_inactive_person_is_refused_on_the_page(officer, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    gone = UserFactory(is_active=False)
    response = post(officer, incident, "share", {"user": gone.email})
    assert response.status_code == 400
    assert "No active person has this email address." in response.content.decode()


def test_people_are_given_by_email_with_the_security_officers_suggested(officer, staff, security_officer):
    """No <select> of every person: the boxes take an email address and suggest the security officers."""
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    page = officer.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert f'<option value="{security_officer.email}">' in page
    assert f'<option value="{staff.email}">' not in page
    response = post(officer, incident, "handler", {"handler": staff.email.upper()})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.handler == staff


def test_making_it_confidential_needs_a_reason(officer, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    response = post(officer, incident, "confidential", {"confidential": "yes", "reason": ""})
    assert response.status_code == 400
    assert post(officer, incident, "confidential", {"confidential": "yes", "reason": "HR"}).status_code == 302
    incident.refresh_from_db()
    assert incident.confidential
