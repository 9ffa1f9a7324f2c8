"""A German-speaking member of staff reports an incident through a real browser, at desktop and phone size.

Sam has chosen German under their account. From the dashboard they press "Vorfall melden" in the header,
fill the four fields, send it, land on the incident with its reference, and follow it under
"Meine Vorfälle". Every page on the way is in German: no English original of a marked string shows.
"""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from incidents.models import Incident
from tests.e2e.conftest import results_dir, save_page, sign_in
from tests.factories import UserFactory
from tests.i18n import speaks_german, untranslated

pytestmark = pytest.mark.e2e

TITLE = "E-Mail mit der Bitte, mein Passwort neu einzugeben"
DESCRIPTION = "Sie sah aus wie von der IT und verlinkte auf eine fremde Anmeldeseite."


@pytest.fixture
def people(transactional_db):
    return SimpleNamespace(
        staff=speaks_german(UserFactory(email="sam.staff@example.com", full_name="Sam Staff")),
        officer=UserFactory(
            email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"]
        ),
    )


def assert_german(page, people):
    """No English original of a marked string on the page (names and what Sam typed left aside)."""
    found = untranslated(page.content(), ignore=[people.staff.full_name, people.officer.full_name, TITLE])
    assert found == [], f"{page.url}: {found}"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_german_speaker_reports_an_incident_and_follows_it_in_german(size, request, people):
    page = request.getfixturevalue("browser_page" if size == "desktop" else "phone_page")
    shots = results_dir(request.config)

    sign_in(page, people.staff)
    assert_german(page, people)
    report = page.get_by_role("link", name="Vorfall melden").first
    if not report.is_visible():  # on a phone the header's links sit behind the menu button
        page.locator("details.menu summary").first.click()
    report.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorfall melden")
    assert_german(page, people)

    form = page.get_by_test_id("report-form")
    form.get_by_label("Was ist passiert, in einer Zeile").fill(TITLE)
    form.get_by_label("Was ist passiert", exact=True).fill(DESCRIPTION)
    form.get_by_role("group", name="Art des Vorfalls").get_by_label("Phishing").check()
    save_page(page, shots / f"german-incident-{size}-1-report.png")
    form.get_by_role("button", name="Vorfall melden").click()

    incident = Incident.objects.get(title=TITLE)
    expect(page.get_by_text(f"Gemeldet als {incident.reference}")).to_be_visible()
    expect(page.get_by_test_id("incident-status")).to_have_text("Gemeldet")
    expect(page.get_by_test_id("next-action")).to_contain_text("Die Sicherheitsbeauftragten sehen sich Ihre")
    assert_german(page, people)
    save_page(page, shots / f"german-incident-{size}-2-incident.png")

    page.goto("/incidents/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Vorfälle")
    expect(page.get_by_test_id("my-incidents-count")).to_have_text(
        re.compile(r"1 von Ihnen gemeldeter Vorfall\.")
    )
    assert_german(page, people)
    page.get_by_role("link", name=incident.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(incident.reference)
    assert_german(page, people)
