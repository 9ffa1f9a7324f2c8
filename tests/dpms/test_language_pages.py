"""The foundation's pages in German: a German-speaking person meets no English original of a marked string
on them (tests/i18n.py ``untranslated``), and the pages still work."""

import pytest
from django.urls import reverse

from tests.i18n import sign_in_german, untranslated

pytestmark = pytest.mark.django_db


# The vulnerabilities app is translated later: its menu link is still English on every page.
LATER = ["Vulnerabilities"]


def names(*people):
    """What a page shows of the people a test put there: their names, first names and e-mail addresses."""
    shown = [text for person in people for text in (person.full_name, person.get_short_name(), person.email)]
    return [*shown, *LATER]


def german_page(client, person, url, **headers):
    response = sign_in_german(client, person).get(url, **headers)
    assert response.status_code == 200, url
    assert response["Content-Language"] == "de"
    return response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "notifications",
        "notification_preferences",
        "account_preferences",
        "api_tokens",
        "search",
        "mfa_index",
        "socialaccount_connections",
        "account_change_password",
    ],
)
def test_staff_pages_have_nothing_left_in_english(client, staff, url):
    html = german_page(client, staff, reverse(url))
    assert untranslated(html, ignore=names(staff)) == []


@pytest.mark.parametrize("url", ["audit_trail", "system_health", "webhooks"])
def test_officer_pages_have_nothing_left_in_english(client, security_officer, url):
    html = german_page(client, security_officer, reverse(url))
    assert untranslated(html, ignore=names(security_officer)) == []


def test_the_audit_trail_reads_its_events_in_german(client, security_officer, staff):
    client.post(reverse("account_logout"))
    client.force_login(staff)
    client.post(reverse("account_preferences"), {"language": "de", "time_zone": ""})  # audited
    html = german_page(client, security_officer, reverse("audit_trail"))
    assert "Person aktualisiert" in html  # people.user.update as a German phrase
    assert "people.user.update" in html  # the stored name, kept for filtering
    assert untranslated(html, ignore=[*names(security_officer, staff), "people.user.update"]) == []


def test_the_sign_in_and_error_pages_follow_the_browser(client):
    login = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de")
    assert untranslated(login.content.decode(), ignore=LATER) == []
    missing = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="de")
    assert missing.status_code == 404
    assert "Seite nicht gefunden" in missing.content.decode()
    assert untranslated(missing.content.decode(), ignore=LATER) == []


def test_a_refused_page_says_so_in_german(client, staff):
    response = sign_in_german(client, staff).get(reverse("audit_trail"))
    assert response.status_code == 403
    assert "Diese Seite dürfen Sie nicht sehen" in response.content.decode()
    assert untranslated(response.content.decode(), ignore=names(staff)) == []


@pytest.mark.parametrize("who", ["staff", "manager", "security_officer", "auditor", "admin"])
def test_every_roles_dashboard_is_german(client, personas, second_report, who):
    person = personas[who]
    html = german_page(client, person, reverse("dashboard"))
    assert "Übersicht" in html
    assert untranslated(html, ignore=names(*personas.values(), second_report)) == []


def test_the_sessions_page_is_titled_in_german(client, staff):
    """allauth's sessions page says "Sessions", which Django's own sessions app (listed before allauth)
    translates as "Sessions"; ours is titled as the account menu names it."""
    import re

    html = german_page(client, staff, reverse("usersessions_list"))
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    assert heading.strip() == "Meine Sitzungen"
    assert re.search(r"<title>\s*Meine Sitzungen", html)
    assert untranslated(html, ignore=names(staff)) == []
