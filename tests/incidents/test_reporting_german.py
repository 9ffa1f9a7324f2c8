"""A German-speaking member of staff reports an incident: the pages they visit are in German, and each
security officer told about the report reads the notice and its e-mail in their own language."""

import pytest
from django.urls import reverse

from dpms.models import Notification, OutboxEmail
from incidents.models import Incident
from incidents.services import workflow
from tests.factories import UserFactory
from tests.i18n import sign_in_german, speaks_german, untranslated
from tests.incidents.reporting_support import attachments_dir_fixture, filled  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachments_dir")]

TITLE = "Email asking for my password"
# Menu links of apps whose catalogues are still being written (not this app's words).
OTHER_APPS = ["Policies"]


@pytest.fixture
def german_officer(db):
    return speaks_german(
        UserFactory(email="greta.officer@example.com", full_name="Greta Officer", roles=["security officer"])
    )


def _report(client):
    response = client.post(reverse("incidents:report"), filled(title=TITLE), follow=True)
    assert response.status_code == 200
    return response, Incident.objects.get(title=TITLE)


def test_the_report_form_my_incidents_and_the_incident_page_are_in_german(client, staff):
    signed_in = sign_in_german(client, staff)
    form = signed_in.get(reverse("incidents:report")).content.decode()
    assert "Vorfall melden" in form
    assert untranslated(form, ignore=[staff.full_name, *OTHER_APPS]) == []

    page, incident = _report(signed_in)
    html = page.content.decode()
    assert f"Gemeldet als {incident.reference}" in html
    assert "Die Sicherheitsbeauftragten sehen sich Ihre Meldung an" in html
    # The timeline keeps its record in English; the reporter reads the line in German.
    assert "Gemeldet von Sam Staff als „Phishing“." in html
    assert incident.events.get(kind="reported").text == "Reported by Sam Staff as phishing."
    assert untranslated(html, ignore=[staff.full_name, TITLE, incident.description, *OTHER_APPS]) == []

    mine = signed_in.get(reverse("incidents:mine")).content.decode()
    assert "1 von Ihnen gemeldeter Vorfall." in mine
    assert untranslated(mine, ignore=[staff.full_name, TITLE, *OTHER_APPS]) == []


def test_a_refused_report_says_why_in_german(client, staff):
    signed_in = sign_in_german(client, staff)
    response = signed_in.post(reverse("incidents:report"), filled(title="", category="nonsense"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Beschreiben Sie in einer Zeile, was passiert ist." in html
    assert "Wählen Sie eine der Kategorien." in html
    assert untranslated(html, ignore=[staff.full_name, *OTHER_APPS]) == []


def test_each_officer_reads_the_notice_of_a_german_report_in_their_own_language(
    client, staff, security_officer, german_officer
):
    _page, incident = _report(sign_in_german(client, staff))

    english = Notification.objects.get(recipient=security_officer)
    assert english.subject == f"New incident {incident.reference}: {TITLE}"
    assert "Category: Phishing" in english.body
    assert "Please triage it." in english.body
    german = Notification.objects.get(recipient=german_officer)
    assert german.subject == f"Neuer Vorfall {incident.reference}: {TITLE}"
    assert "Kategorie: Phishing" in german.body
    assert "Personenbezogene Daten betroffen: Weiß nicht" in german.body
    assert "Bitte stufen Sie ihn ein." in german.body
    assert "Please triage it." not in german.body

    emails = {email.to: email for email in OutboxEmail.objects.all()}
    assert emails[security_officer.email].subject == english.subject
    assert emails[german_officer.email].subject == german.subject
    assert "Bitte stufen Sie ihn ein." in emails[german_officer.email].body


def test_a_german_reporter_is_told_of_the_triage_in_german(client, staff, security_officer):
    _page, incident = _report(sign_in_german(client, staff))
    workflow.incident_triage(
        actor=security_officer, incident=incident, severity=3, handler=security_officer, category="phishing"
    )
    told = Notification.objects.get(recipient=staff)
    assert told.subject == f"{incident.reference} wird bearbeitet"
    assert told.body == f"Ihre Meldung {incident.reference} wurde eingestuft; Olga Officer bearbeitet sie."
    # The timeline keeps the record in English whoever reads it.
    assert incident.events.filter(text__startswith="Triaged: SEV3, handled by Olga Officer").exists()
