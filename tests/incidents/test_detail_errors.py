"""A refused action always says why on the page it returns (400): errors of a field the section does not
show, and of a form whose section this viewer is not shown, become messages."""

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from incidents.choices import Severity, Status
from incidents.models import PostIncidentReview
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


def post(client, incident, name, data):
    return client.post(reverse(f"incidents:{name}", args=[incident.pk]), data)


def test_a_bogus_status_is_named_on_the_page(client_for, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    response = post(client_for(security_officer), incident, "transition", {"to": "bogus"})
    assert response.status_code == 400
    assert "Status: Select a valid choice. bogus is not one of the available choices." in (
        response.content.decode()
    )


def test_a_review_of_a_sev3_without_its_section_says_what_is_missing(client_for, staff, security_officer):
    incident = incident_at(
        Status.INVESTIGATING, reporter=staff, handler=security_officer, severity=Severity.SEV3
    )
    response = post(
        client_for(security_officer), incident, "review", {"held_on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="post-incident-review"' not in page  # not offered for a SEV3
    assert '<li class="message error">Participants: Name who took part.</li>' in page
    assert '<li class="message error">Actions agreed: Write down what was agreed.</li>' in page
    assert not PostIncidentReview.objects.exists()


def test_a_review_form_shown_keeps_its_errors_next_to_the_fields(client_for, staff, security_officer):
    incident = incident_at(
        Status.INVESTIGATING, reporter=staff, handler=security_officer, severity=Severity.SEV1
    )
    response = post(client_for(security_officer), incident, "review", {"held_on": "2026-01-01"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Name who took part." in page
    assert '<li class="message error">' not in page  # shown in its section, not repeated


def test_closing_an_incident_not_resolved_says_why(client_for, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    response = post(
        client_for(security_officer),
        incident,
        "close",
        {"root_cause": "Weak filter", "lessons_learned": "Train"},
    )
    assert response.status_code == 400
    assert '<li class="message error">' in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING


def test_stopping_a_share_that_is_gone_says_so(client_for, staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    person = UserFactory(full_name="Pat Person")
    response = post(client_for(security_officer), incident, "unshare", {"user": person.pk})
    assert response.status_code == 400
    assert "is not shared with Pat Person." in response.content.decode()
    assign_perm("incidents.view_confidential_incident", person, incident)
    assert post(client_for(security_officer), incident, "unshare", {"user": person.pk}).status_code == 302
