"""Only someone who can respond handles an incident: an auditor (without the security-officer role) is refused
as handler at triage and when the handler changes, with the reason next to the field; IT staff may handle."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.choices import Severity, Status
from incidents.services import workflow
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db

REFUSED = "An auditor reads incidents and cannot handle one."


def test_triage_refuses_an_auditor_as_handler(security_officer, auditor, staff):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    with pytest.raises(ValidationError) as raised:
        workflow.incident_triage(
            actor=security_officer, incident=incident, severity=Severity.SEV3, handler=auditor
        )
    assert raised.value.message_dict == {"handler": [REFUSED]}
    incident.refresh_from_db()
    assert incident.status == Status.REPORTED


def test_the_triage_form_shows_the_refusal_next_to_the_handler(client_for, security_officer, auditor, staff):
    incident = incident_at(Status.REPORTED, reporter=staff, handler=None)
    response = client_for(security_officer).post(
        reverse("incidents:triage", args=[incident.pk]),
        {"severity": "3", "handler": auditor.email, "category": "phishing"},
    )
    assert response.status_code == 400
    assert f'<span id="triage-handler_error"><span class="error" role="alert">{REFUSED}' in (
        response.content.decode()
    )


def test_changing_the_handler_to_an_auditor_is_a_field_error(client_for, security_officer, auditor, staff):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    response = client_for(security_officer).post(
        reverse("incidents:handler", args=[incident.pk]), {"handler": auditor.email}
    )
    assert response.status_code == 400
    assert REFUSED in response.content.decode()
    incident.refresh_from_db()
    assert incident.handler == security_officer


def test_an_auditor_who_is_also_a_security_officer_may_handle(security_officer, staff):
    both = UserFactory(roles=["auditor", "security officer"])
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    incident = workflow.incident_set_handler(actor=security_officer, incident=incident, handler=both)
    assert incident.handler == both


def test_it_staff_may_handle(client_for, security_officer, staff):
    it_person = UserFactory(full_name="Ivan IT")
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    response = client_for(security_officer).post(
        reverse("incidents:handler", args=[incident.pk]), {"handler": it_person.email}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.handler == it_person
