"""The policies journey through a real browser, at laptop and phone size.

A staff member opens "Policies to acknowledge" from their dashboard, reads the acceptable-use policy, answers
"no" to the disk encryption question with a reason, and acknowledges; their manager signs in and finds the
follow-up among their reports'; a security officer sees it among every open follow-up, and the campaign's
numbers have moved (one of three done).
"""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from policies.choices import QuestionKind
from policies.models import Acknowledgement, FollowUp
from policies.services.campaigns import campaign_launch
from tests.e2e.conftest import PHONE, results_dir, save_page, sign_in
from tests.factories import TeamFactory, UserFactory
from tests.policies.factories import PolicyVersionFactory, QuestionFactory

pytestmark = pytest.mark.e2e

POLICY = "Acceptable use and password manager policy"
ENCRYPTION = "My work computer has full-disk encryption turned on"
REASON = "My new laptop arrived on Monday; IT turns BitLocker on this Friday."


@pytest.fixture
def journey(transactional_db):
    """Sam Staff (Finance) reports to Mona Manager; Olga Officer launched the campaign of the policy's
    version in force: the three of them are asked."""
    officer = UserFactory(
        email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"]
    )
    finance = TeamFactory(name="Finance")
    manager = UserFactory(email="mona.manager@example.com", full_name="Mona Manager", team=finance)
    staff = UserFactory(email="sam.staff@example.com", full_name="Sam Staff", team=finance, manager=manager)
    version = PolicyVersionFactory(
        policy__title=POLICY,
        policy__owner=officer,
        body="# Acceptable use\n\nKeep every work password in the **password manager**.\n",
    )
    policy = version.policy
    questions = [
        (QuestionKind.YES_NO, "I use the company password manager for every work account", True),
        (QuestionKind.YES_NO, ENCRYPTION, True),
        (QuestionKind.TEXT, "Device serial number", True),
        (QuestionKind.FILE, "Screenshot of the encryption status", False),
    ]
    for position, (kind, text, required) in enumerate(questions):
        QuestionFactory(policy=policy, position=position, kind=kind, text=text, required=required)
    campaign = campaign_launch(actor=officer, policy=policy)
    return SimpleNamespace(officer=officer, manager=manager, staff=staff, policy=policy, campaign=campaign)


def sign_out(page):
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Sign out").click()


def open_section(page, main: str, section: str):
    """Main menu link, then the section's link (on a phone the menu is behind its button)."""
    button = page.get_by_test_id("menu-button")
    if button.is_visible():
        button.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=main).click()
    page.get_by_role("navigation", name="Section").get_by_role("link", name=section, exact=True).click()


def assert_fits(page, size, label):
    if size != "phone":
        return
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{label}: the page is {width}px wide on a {PHONE['width']}px screen"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_no_reaches_the_manager_and_the_officer(request, journey, size):
    page = request.getfixturevalue("browser_page" if size == "desktop" else "phone_page")
    shots = results_dir(request.config)

    # --- the staff member reads, answers "no" to disk encryption with a reason, and acknowledges -----------
    sign_in(page, journey.staff)
    panel = page.get_by_test_id("policies-pending-panel")
    expect(panel).to_contain_text(POLICY)
    panel.get_by_role("link", name="Open My policies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My policies")
    page.get_by_test_id("pending").get_by_role("link", name="Read and acknowledge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(POLICY)
    expect(page.get_by_test_id("policy-text")).to_contain_text("password manager")
    assert_fits(page, size, "the policy")
    password = page.get_by_role("group", name=re.compile("I use the company password manager"))
    password.get_by_label("Yes").check()
    encryption_card = page.locator(".question").filter(has_text=ENCRYPTION)
    encryption_card.get_by_role("group").get_by_label("No").check()
    encryption_card.get_by_label("If no: what is missing, and why?").fill(REASON)
    page.get_by_label(re.compile("Device serial number")).fill("NW-4411-8")
    save_page(page, shots / f"policies-journey-{size}-1-answers.png")
    page.get_by_role("button", name="I have read and acknowledge this policy").click()
    expect(page.get_by_role("status")).to_contain_text(f"you acknowledged {POLICY}")
    expect(page.get_by_test_id("nothing-pending")).to_be_visible()
    assert Acknowledgement.objects.filter(person=journey.staff, version=journey.campaign.version).exists()
    follow_up = FollowUp.objects.get(person=journey.staff)
    assert follow_up.answer.explanation == REASON
    sign_out(page)

    # --- the manager finds the follow-up among their reports' ---------------------------------------------
    sign_in(page, journey.manager)
    open_section(page, "Policies", "Follow-ups")
    expect(page.get_by_role("heading", level=1)).to_have_text("Policy follow-ups")
    rows = page.get_by_test_id("follow-ups-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sam Staff")
    expect(rows.first).to_contain_text(ENCRYPTION)
    assert_fits(page, size, "the manager's follow-ups")
    rows.first.get_by_role("link", name="Sam Staff").click()
    expect(page.get_by_test_id("follow-up-explanation")).to_have_text(REASON)
    expect(page.get_by_test_id("resolve-button")).to_be_visible()  # the manager may resolve it
    save_page(page, shots / f"policies-journey-{size}-2-manager.png")
    sign_out(page)

    # --- the officer sees it among every open follow-up, and the campaign's numbers moved -----------------
    sign_in(page, journey.officer)
    expect(page.get_by_test_id("policies-pending-panel")).to_contain_text(POLICY)  # the officer was asked too
    open_section(page, "Policies", "Follow-ups")
    rows = page.get_by_test_id("follow-ups-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sam Staff")
    page.get_by_role("navigation", name="Section").get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_test_id("campaigns-table").get_by_role("link", name=journey.campaign.name).click()
    counts = page.get_by_test_id("campaign-counts")
    expect(counts.locator('[data-count="done"]')).to_have_text("1")
    expect(counts.locator('[data-count="pending"]')).to_have_text("2")
    expect(page.get_by_test_id("overall-progress")).to_contain_text("33% acknowledged")
    finance = page.get_by_test_id("team-progress").locator("tbody tr").filter(has_text="Finance")
    expect(finance).to_contain_text("2")
    assert_fits(page, size, "the campaign")
    save_page(page, shots / f"policies-journey-{size}-3-campaign.png")
