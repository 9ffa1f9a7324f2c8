"""The header's search box through a real browser: on a laptop and (behind the menu button) on a phone, a
term finds what the person may open, a too-short term is refused with a word, and no page is wider than the
screen; screenshots are kept in test-results/."""

import pytest
from playwright.sync_api import expect

from tests.access.factories import SystemFactory
from tests.e2e.conftest import results_dir, save_page, sign_in
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.e2e

BOX = "Search people, systems, roles, risks and incidents"


@pytest.fixture
def staff(transactional_db):
    person = UserFactory(email="sam.staff@example.com", full_name="Sam Staff")
    IncidentFactory(reported_by=person, title="Lost badge at the payroll office")
    IncidentFactory(title="Payroll mail forwarded outside")  # someone else's: not found
    SystemFactory(name="Payroll")
    return person


def test_the_header_box_finds_what_one_may_open(browser_page, staff, request):
    sign_in(browser_page, staff)
    browser_page.get_by_label(BOX).fill("payroll")
    browser_page.get_by_label(BOX).press("Enter")
    expect(browser_page.get_by_role("heading", name="Incidents")).to_be_visible()
    expect(browser_page.get_by_role("link", name="Lost badge at the payroll office")).to_be_visible()
    expect(browser_page.get_by_text("Payroll mail forwarded outside")).to_have_count(0)
    expect(browser_page.get_by_role("link", name="Payroll", exact=True)).to_be_visible()
    save_page(browser_page, results_dir(request.config) / "search-laptop.png")
    browser_page.get_by_label(BOX).fill("pa")
    browser_page.get_by_label(BOX).press("Enter")
    expect(browser_page.get_by_test_id("search-too-short")).to_contain_text("at least 3 characters")


def test_on_a_phone_the_box_is_behind_the_menu_and_the_page_fits(phone_page, staff, request):
    sign_in(phone_page, staff)
    phone_page.get_by_test_id("menu-button").click()
    phone_page.get_by_label(BOX).fill("lost badge")
    phone_page.get_by_label(BOX).press("Enter")
    expect(phone_page.get_by_role("link", name="Lost badge at the payroll office")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    save_page(phone_page, results_dir(request.config) / "search-phone.png")
