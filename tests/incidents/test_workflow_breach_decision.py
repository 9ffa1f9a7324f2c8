"""A personal-data breach is neither closed nor dismissed while its 72-hour clock runs: the supervisory
authority decision (notified, or not required and why) is recorded first (Art. 33(5) GDPR)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.choices import Category, Status
from incidents.models import Incident
from incidents.services.breach import authority_record_not_required, breach_mark
from incidents.services.workflow import incident_close, incident_dismiss
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db

MESSAGE = (
    "Record the supervisory authority decision first: notified, or not required and why (Art. 33(5) GDPR)."
)


def breach_at(status, staff, officer) -> Incident:
    # A lost encrypted laptop: a breach that may stay SEV3 (SEV1 would need a post-incident review to close).
    incident = incident_at(status, reporter=staff, handler=officer, category=Category.LOST_DEVICE)
    return breach_mark(actor=officer, incident=incident)


def close(officer, incident):
    return incident_close(
        actor=officer, incident=incident, root_cause="Weak mail filter", lessons_learned="Tighten the filter"
    )


def test_a_breach_with_its_clock_running_is_not_closed(staff, security_officer):
    incident = breach_at(Status.RESOLVED, staff, security_officer)
    with pytest.raises(ValidationError) as refused:
        close(security_officer, incident)
    assert refused.value.messages == [MESSAGE]
    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED


def test_a_breach_is_closed_once_the_decision_is_recorded(staff, security_officer):
    incident = breach_at(Status.RESOLVED, staff, security_officer)
    authority_record_not_required(actor=security_officer, incident=incident, reason="Encrypted, key safe.")
    assert close(security_officer, incident).status == Status.CLOSED


def test_a_breach_with_its_clock_running_is_not_dismissed(staff, security_officer):
    incident = breach_at(Status.TRIAGED, staff, security_officer)
    with pytest.raises(ValidationError) as refused:
        incident_dismiss(actor=security_officer, incident=incident, reason="Only a test email")
    assert refused.value.messages == [MESSAGE]
    assert Incident.objects.get(pk=incident.pk).status == Status.TRIAGED


def test_an_incident_that_is_not_a_breach_is_closed_as_before(staff, security_officer):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    assert close(security_officer, incident).status == Status.CLOSED


@pytest.mark.parametrize(
    ("status", "action", "data"),
    [
        (Status.RESOLVED, "close", {"root_cause": "Weak filter", "lessons_learned": "Train staff"}),
        (Status.TRIAGED, "dismiss", {"reason": "Only a test email"}),
    ],
)
def test_the_page_shows_the_refusal_as_a_form_error(
    client_for, staff, security_officer, status, action, data
):
    incident = breach_at(status, staff, security_officer)
    response = client_for(security_officer).post(reverse(f"incidents:{action}", args=[incident.pk]), data)
    assert response.status_code == 400
    assert "Record the supervisory authority decision first" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == status
