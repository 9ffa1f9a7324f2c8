"""Downloading an attachment: only people who may see the incident and the file; everyone else gets 404."""

import pytest
from django.urls import reverse

from incidents.services.attachments import attachment_add
from tests.incidents.factories import IncidentFactory
from tests.incidents.reporting_support import PNG, attachments_dir_fixture, upload  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachments_dir")]


@pytest.fixture
def files(staff, security_officer):
    incident = IncidentFactory(reported_by=staff)
    shared = attachment_add(actor=staff, incident=incident, upload=upload("Phish screenshot.png", PNG))
    internal = attachment_add(
        actor=security_officer,
        incident=incident,
        upload=upload("firewall.log", b"DENY 10.0.0.5\n"),
        internal=True,
    )
    return {
        "shared": reverse("incidents:attachment", args=[shared.pk]),
        "internal": reverse("incidents:attachment", args=[internal.pk]),
    }


def status(client, url):
    return client.get(url).status_code


def test_anonymous_visitors_are_sent_to_sign_in(client, files):
    response = client.get(files["shared"])
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_the_reporter_gets_their_file_but_not_the_internal_one(client_for, staff, files):
    client = client_for(staff)
    assert status(client, files["shared"]) == 200
    assert status(client, files["internal"]) == 404


def test_another_member_of_staff_gets_404(client_for, outsider, files):
    client = client_for(outsider)
    assert status(client, files["shared"]) == 404
    assert status(client, files["internal"]) == 404
    assert status(client, reverse("incidents:attachment", args=[999999])) == 404


def test_security_officers_and_auditors_get_both(client_for, security_officer, auditor, files):
    for person in (security_officer, auditor):
        client = client_for(person)
        assert status(client, files["shared"]) == 200
        assert status(client, files["internal"]) == 200


def test_a_confidential_incidents_files_are_hidden_from_an_officer_not_added(client_for, staff, files):
    from incidents.models import Incident
    from tests.factories import UserFactory

    Incident.objects.update(confidential=True)
    other_officer = UserFactory(roles=["security officer"])
    assert status(client_for(other_officer), files["shared"]) == 404
    assert status(client_for(staff), files["shared"]) == 200  # the reporter still sees their own


def test_the_file_is_a_download_the_browser_will_not_run(client_for, staff, files):
    response = client_for(staff).get(files["shared"])
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="Phish screenshot.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "no-store" in response["Cache-Control"]


def test_text_is_served_as_utf8_plain_text(client_for, security_officer, files):
    response = client_for(security_officer).get(files["internal"])
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert b"".join(response.streaming_content) == b"DENY 10.0.0.5\n"


def test_a_file_missing_from_the_store_is_404_not_500(client_for, staff, files, attachments_dir):
    for path in attachments_dir.rglob("*"):
        if path.is_file():
            path.unlink()
    assert status(client_for(staff), files["shared"]) == 404
