"""A person's language: their own choice under their account, else the browser's, else English; the page
says which (``<html lang>``, ``Content-Language``); the API and SCIM stay English; the choice is audited."""

import re

import pytest
from django.urls import reverse

from dpms.models import AuditEvent
from tests.i18n import sign_in_german, untranslated

pytestmark = pytest.mark.django_db

URL = "account_preferences"


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_without_a_choice_the_browser_decides_else_english(client_for, staff):
    client = client_for(staff)
    english = client.get(reverse("dashboard"))
    assert (english["Content-Language"], html_lang(english)) == ("en", "en")
    german = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert (german["Content-Language"], html_lang(german)) == ("de", "de")


def test_the_persons_choice_wins_over_the_browser(client, client_for, staff):
    german = sign_in_german(client, staff).get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert (german["Content-Language"], html_lang(german)) == ("de", "de")
    assert "Übersicht" in german.content.decode()
    staff.language = "en"
    staff.save()
    english = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="de")
    assert (english["Content-Language"], html_lang(english)) == ("en", "en")


def test_the_sign_in_page_follows_the_browser(client):
    page = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de")
    assert html_lang(page) == "de"
    assert "Anmelden" in page.content.decode()


def test_choosing_german_is_kept_audited_and_shown_at_once(client_for, staff):
    client = client_for(staff)
    page = client.get(reverse(URL))
    assert page.status_code == 200
    assert '<option value="de">Deutsch</option>' in page.content.decode()
    response = client.post(reverse(URL), {"language": "de", "time_zone": "Europe/Lisbon"}, follow=True)
    staff.refresh_from_db()
    assert (staff.language, staff.time_zone) == ("de", "Europe/Lisbon")
    event = AuditEvent.objects.get(action="people.user.update", object_id=str(staff.pk))
    assert event.actor_id == staff.pk
    assert event.changes == {"language": ["", "de"], "time_zone": ["", "Europe/Lisbon"]}
    html = response.content.decode()
    assert html_lang(response) == "de"
    assert "Sprache und Zeitzone" in html
    assert "Ihre Sprache und Zeitzone sind gespeichert." in html
    assert untranslated(html, ignore=[staff.full_name, staff.get_short_name()]) == []


def test_saving_the_same_choice_records_nothing(client_for, staff):
    client_for(staff).post(reverse(URL), {"language": "", "time_zone": ""})
    assert not AuditEvent.objects.filter(action="people.user.update").exists()


def test_an_unknown_language_is_refused(client_for, staff):
    response = client_for(staff).post(reverse(URL), {"language": "xx", "time_zone": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    staff.refresh_from_db()
    assert staff.language == ""


def test_the_api_stays_english(client, staff):
    sign_in_german(client, staff)
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="de")
    assert response["Content-Language"] == "en"
    anonymous = client.__class__().get("/api/v1/people/", HTTP_ACCEPT_LANGUAGE="de")
    assert anonymous["Content-Language"] == "en"
    assert "Anmeldedaten" not in anonymous.content.decode()  # DRF's own German


def test_scim_stays_english(client):
    response = client.get("/scim/v2/Users", HTTP_ACCEPT_LANGUAGE="de")
    assert response["Content-Language"] == "en"
