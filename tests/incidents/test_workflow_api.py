"""The incident workflow through the API: the page's forms and services, the page's refusals (404 hidden, 403
not allowed), service refusals as 400s with field errors, If-Match, and the audit trail naming the token."""

import pytest
from django.urls import reverse

from dpms.models import AuditEvent
from incidents.choices import Severity, Status
from incidents.models import Incident
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


def client(user, *, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


def url(name, incident):
    return reverse(f"api:incident-{name}", args=[incident.pk])


def test_triage_through_the_api_is_the_service_audited_as_api_with_the_token(staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    token, text = token_for(security_officer, read_only=False, name="siem")
    body = {"severity": 2, "handler": security_officer.email, "category": "malware", "is_breach": False}
    response = api_client(text).post(url("triage", incident), body, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["severity"]) == ("triaged", 2)
    assert response.json()["handler"]["email"] == security_officer.email
    event = AuditEvent.objects.get(action="incident.triage")
    assert event.source == "api"
    assert f"API token #{token.pk} siem" in event.actor_label


def test_bad_input_is_a_400_with_the_form_field_errors(staff, security_officer):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    response = client(security_officer).post(
        url("triage", incident), {"severity": 9, "handler": "nobody@example.com"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"severity", "category"}
    response = client(security_officer).post(
        url("triage", incident),
        {"severity": 1, "handler": "nobody@example.com", "category": "malware"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"handler": ["No active person has this email address."]}
    assert Incident.objects.get(pk=incident.pk).status == Status.REPORTED


def test_a_service_refusal_is_a_400_and_nothing_changes(staff, security_officer):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer)
    # Back along the path needs a reason: the service says so, next to the field.
    response = client(security_officer).post(url("transition", incident), {"to": "reported"}, format="json")
    assert response.status_code == 400
    assert "errors" in response.json()
    assert Incident.objects.get(pk=incident.pk).status == Status.TRIAGED


def test_acknowledge_and_transition_by_the_handler(staff, manager):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=manager, severity=Severity.SEV3)
    api = client(manager)
    response = api.post(url("acknowledge", incident), format="json")
    assert response.status_code == 200
    assert response.json()["acknowledged_by"]["email"] == manager.email
    response = api.post(url("acknowledge", incident), format="json")
    assert response.status_code == 400  # acknowledged already: the service refuses
    response = api.post(url("transition", incident), {"to": "investigating"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "investigating"


def test_if_match_refuses_a_write_to_an_incident_that_changed(staff, security_officer):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer)
    api = client(security_officer)
    etag = api.get(reverse("api:incident-detail", args=[incident.pk]))["ETag"]
    assert api.post(url("acknowledge", incident), HTTP_IF_MATCH=etag).status_code == 200
    response = api.post(
        url("transition", incident), {"to": "investigating"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 412
    assert Incident.objects.get(pk=incident.pk).status == Status.TRIAGED


def test_a_read_only_token_may_not_act(staff, security_officer):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer)
    response = client(security_officer, read_only=True).post(url("acknowledge", incident))
    assert response.status_code == 403
