"""Someone an incident is shared with (neither its reporter nor a responder) adds internal information
without files: the form offers no file field and says who reads it."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from incidents.choices import Status
from tests.factories import UserFactory
from tests.incidents.detail_support import PDF, files_dir_fixture, incident_at, upload  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

INTERNAL = "What you add here is internal: read by the people handling the incident, not by the reporter."


@pytest.fixture
def incident(staff, security_officer):
    return incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)


@pytest.fixture
def shared_with(incident):
    person = UserFactory(full_name="Lena Legal")
    assign_perm("incidents.view_confidential_incident", person, incident)
    return person


def page(client, incident) -> str:
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_person_it_is_shared_with_is_not_offered_files(client_for, incident, shared_with):
    shown = page(client_for(shared_with), incident)
    assert INTERNAL in shown
    assert 'name="files"' not in shown
    assert 'enctype="multipart/form-data"' not in shown


def test_the_reporter_and_the_handler_are_offered_files(client_for, incident, staff, security_officer):
    reporter_page = page(client_for(staff), incident)
    assert 'name="files"' in reporter_page
    assert "What you add here is read by the people handling the incident." in reporter_page
    assert INTERNAL not in reporter_page
    assert 'name="files"' in page(client_for(security_officer), incident)


def test_their_information_is_saved_without_the_file(client_for, incident, shared_with, files_dir):
    response = client_for(shared_with).post(
        reverse("incidents:comment", args=[incident.pk]),
        {"text": "Legal says: notify the customer.", "files": [upload("memo.pdf", PDF)]},
    )
    assert response.status_code == 302
    line = incident.events.get(text="Legal says: notify the customer.")
    assert line.internal
    assert not incident.attachments.exists()
