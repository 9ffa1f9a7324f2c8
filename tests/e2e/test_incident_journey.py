"""The incident journey through a real browser.

A member of staff reports a phishing email from the dashboard: one click on "Report an incident" in the
header, four fields (the noticed time is filled in already), one button, and they hold a reference. The
security officer finds it at the top of the queue, triages it as a SEV1 personal-data breach, sees the
72-hour countdown, acknowledges it, records the notification of the supervisory authority, moves it through
investigating, contained and resolved, records the post-incident review a SEV1 needs, and closes it with a
root cause. The reporter then sees it closed, without the internal lines.
"""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from incidents.choices import AuthorityDecision, Status
from incidents.models import Incident
from tests.e2e.conftest import results_dir, save_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

TITLE = "Email asking me to re-enter my password"
# Now, to the minute, as a datetime-local value in the browser's (and the user's) time zone.
LOCAL_NOW = (
    "() => { const d = new Date(); d.setMinutes(d.getMinutes() - d.getTimezoneOffset());"
    " return d.toISOString().slice(0, 16); }"
)
ROOT_CAUSE = "The mail filter let a look-alike domain through; nobody entered credentials."


@pytest.fixture
def people(transactional_db):
    return SimpleNamespace(
        staff=UserFactory(email="sam.staff@example.com", full_name="Sam Staff"),
        officer=UserFactory(
            email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"]
        ),
    )


def sign_out(page):
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Sign out").click()


def move_to(page, status_label):
    page.get_by_test_id("next-status").get_by_role("button", name=status_label, exact=True).click()
    expect(page.get_by_test_id("incident-status")).to_have_text(status_label)


def test_staff_reports_phishing_and_the_officer_handles_it_as_a_breach_to_closure(
    browser_page, people, request
):
    shots = results_dir(request.config)
    page = browser_page

    # --- staff: report from the dashboard ----------------------------------------------------------
    sign_in(page, people.staff)
    page.get_by_role("link", name="Report an incident").click()
    form = page.get_by_test_id("report-form")
    form.get_by_label("What happened, in a line").fill(TITLE)
    form.get_by_label("What happened", exact=True).fill(
        "It looked like IT and linked to a login page on a strange domain. I did not click."
    )
    form.get_by_role("group", name="What kind of incident").get_by_label("Phishing").check()
    save_page(page, shots / "incident-journey-1-report.png")
    form.get_by_role("button", name="Report the incident").click()
    expect(page.get_by_text(re.compile(r"Reported as INC-\d{4}-0001"))).to_be_visible()
    incident = Incident.objects.get(title=TITLE)
    assert incident.reported_by == people.staff
    assert incident.status == Status.REPORTED
    sign_out(page)

    # --- the security officer: the queue, triage as a SEV1 personal-data breach ------------------------
    sign_in(page, people.officer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(incident.reference)
    triage = page.get_by_test_id("triage-form")
    triage.get_by_label(re.compile(r"\bSEV1: ")).check()
    expect(triage.get_by_label("Handler", exact=True)).to_have_value(people.officer.email)
    triage.get_by_label(re.compile(r"Personal-data breach")).check()
    save_page(page, shots / "incident-journey-2-triage.png")
    triage.get_by_role("button", name="Triage").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("Triaged")
    expect(page.get_by_test_id("incident-severity")).to_have_text("SEV1")

    # The 72-hour countdown is on the incident and on the dashboard.
    clock = page.get_by_test_id("breach-clock")
    expect(clock.locator("time[data-countdown]")).to_have_text(re.compile(r"^(7[01]|6\d) h \d+ min left$"))
    save_page(page, shots / "incident-journey-3-countdown.png")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("acknowledged")).to_contain_text("by Olga Officer")

    # --- record the authority notification -----------------------------------------------------------
    notified = page.get_by_test_id("authority-notified-form")
    notified.get_by_label("Supervisory authority notified at").fill(page.evaluate(LOCAL_NOW))
    notified.get_by_label("Reference").fill("LfDI-2026-4711")
    notified.get_by_role("button", name="Record the notification").click()
    expect(page.get_by_test_id("authority-decision")).to_contain_text("LfDI-2026-4711")
    expect(page.get_by_test_id("breach-clock")).to_have_count(0)

    # --- investigate, contain, resolve; the review a SEV1 needs; close with the root cause ------------
    move_to(page, "Investigating")
    move_to(page, "Contained")
    move_to(page, "Resolved")
    expect(page.get_by_test_id("review-needed")).to_be_visible()
    review = page.get_by_test_id("post-incident-review")
    review.get_by_label("Held on").fill(page.evaluate("() => new Date().toLocaleDateString('sv')"))
    review.get_by_label("Participants").fill("Olga Officer, Sam Staff, the mail administrator")
    review.get_by_label("Actions agreed").fill("Block look-alike domains at the gateway.")
    review.get_by_role("button", name="Save the review").click()
    expect(page.get_by_test_id("review-needed")).to_have_count(0)
    close = page.get_by_test_id("close-form")
    close.get_by_label("Root cause").fill(ROOT_CAUSE)
    close.get_by_label("Lessons learned").fill("Look-alike domains are now blocked; staff reported it fast.")
    save_page(page, shots / "incident-journey-4-close.png")
    close.get_by_role("button", name="Close the incident").click()
    expect(page.get_by_test_id("incident-status")).to_have_text("Closed")
    save_page(page, shots / "incident-journey-5-closed.png")

    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    assert incident.severity == 1  # a personal-data breach is SEV1
    assert incident.is_breach
    assert incident.authority_decision == AuthorityDecision.NOTIFIED
    assert incident.authority_reference == "LfDI-2026-4711"
    assert incident.root_cause == ROOT_CAUSE
    assert incident.acknowledged_by == people.officer
    sign_out(page)

    # --- the reporter follows it: closed, without the internal lines ----------------------------------
    sign_in(page, people.staff)
    page.goto(f"/incidents/{incident.pk}/")
    expect(page.get_by_test_id("incident-status")).to_have_text("Closed")
    expect(page.get_by_test_id("incident-breach")).to_have_count(0)
    expect(page.get_by_text("Personal-data breach")).to_have_count(0)
    expect(page.get_by_text("Internal", exact=True)).to_have_count(0)
    save_page(page, shots / "incident-journey-6-reporter.png")
