"""A German-speaking security officer reads a personal-data breach: the incident page, the breach register
and the running clocks are in German, and every page cites the articles one way (Art. 33 Abs. 5 DSGVO in
German, Art. 33(5) GDPR in English: article, then paragraph)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from incidents.choices import SubjectsDecision
from tests.i18n import sign_in_german, untranslated
from tests.incidents.breach_support import make_breach

pytestmark = pytest.mark.django_db

OTHER_APPS = ["Policies", "Vulnerabilities"]  # menu links of apps whose catalogues are still being written
ENGLISH_CITATION = re.compile(r"Art\. \d+(\(\d+\))*(\([a-z]\))? GDPR")
GERMAN_CITATION = re.compile(r"Art\. \d+( Abs\. \d+)?( lit\. [a-z])? DSGVO")


def test_the_breach_on_the_incident_page_and_in_the_register_reads_in_german(client, security_officer):
    breach = make_breach(security_officer, title="Kundenliste an falsche Adresse")
    signed_in = sign_in_german(client, security_officer)
    ignore = [security_officer.full_name, breach.title, breach.description, *OTHER_APPS]

    page = signed_in.get(reverse("incidents:detail", args=[breach.pk])).content.decode()
    assert "Datenschutzverletzung" in page
    assert "Aufsichtsbehörde benachrichtigen (Art. 33 DSGVO)" in page
    assert re.search(r"seit \d+ T \d+ Std\. überfällig", page)  # the 72 hours ran out long ago
    # The timeline keeps its English record; the officer reads it in German.
    assert "Datenschutzverletzung: Die 72-Stunden-Frist für die Meldung an die Aufsichtsbehörde läuft" in page
    assert ": gesendet an Olga Officer" in page
    assert untranslated(page, ignore=ignore) == []

    register = signed_in.get(reverse("incidents:breach_register_page")).content.decode()
    assert "Verzeichnis der Datenschutzverletzungen" in register
    assert "(Art. 33 Abs. 5 DSGVO)" in register
    assert untranslated(register, ignore=ignore) == []


def test_articles_are_cited_article_then_paragraph_in_both_languages(client_for, security_officer):
    breach = make_breach(security_officer)
    english = client_for(security_officer)
    for url in (reverse("incidents:detail", args=[breach.pk]), reverse("incidents:breach_register_page")):
        html = english.get(url).content.decode()
        assert "GDPR Art." not in html
        assert ENGLISH_CITATION.search(html)
        assert "DSGVO" not in html
    translation.activate("de")
    for label in SubjectsDecision.labels:
        assert "GDPR" not in str(label)
    assert all(
        GERMAN_CITATION.search(str(label)) for label in SubjectsDecision.labels if "Art." in str(label)
    )


def test_the_queue_reads_in_german_with_german_dates(client, security_officer):
    breach = make_breach(security_officer, title="Kundenliste an falsche Adresse")
    signed_in = sign_in_german(client, security_officer)
    queue = signed_in.get(reverse("incidents:queue") + "?status=all").content.decode()
    assert "1 Vorfall." in queue
    assert "Datenschutzverletzung" in queue
    assert (
        "23.10.2026 12:00" in queue
    )  # reported 23 October 2026, 10:00 UTC: noon in Berlin, as Germans write it
    assert untranslated(queue, ignore=[security_officer.full_name, breach.title, *OTHER_APPS]) == []
