"""The first journey through a real browser: a security officer signs in and finds that sign-in audited."""

import re

import pytest
from playwright.sync_api import expect

from tests.dashboard_support import wait_for_panels
from tests.e2e.conftest import PHONE, give_second_factor, pass_second_factor, results_dir, save_page
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e


# The page's width and the screen's, and the elements that stick out past the screen's right edge (in a
# mobile viewport, chromium widens window.innerWidth to fit content that is too wide).
MEASURE_WIDTH = """(screen) => [
  document.documentElement.scrollWidth,
  window.innerWidth,
  [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > screen + 1 && !el.closest(".table-wrap"))
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.getAttribute("class") ? "." + el.getAttribute("class") : "")),
]"""


def sign_in(page, user):
    """Through the real sign-in form, as a person would (with their second factor)."""
    give_second_factor(user)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    pass_second_factor(page, user)


def sign_in_rows(page, user):
    table = page.get_by_test_id("audit-table")
    return table.get_by_role("row").filter(has_text="auth.sign_in").filter(has_text=user.full_name)


def test_security_officer_signs_in_and_finds_the_sign_in_in_the_audit_trail(browser_page, officer, request):
    page = browser_page
    shots = results_dir(request.config)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in", ignore_case=True)
    save_page(page, shots / "journey-desktop-1-sign-in.png")

    sign_in(page, officer)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Olga")
    wait_for_panels(page)
    save_page(page, shots / "journey-desktop-2-dashboard.png")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    expect(page).to_have_url(re.compile(r"/audit/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(sign_in_rows(page, officer)).to_have_count(1)
    save_page(page, shots / "journey-desktop-3-audit-trail.png")

    page.get_by_label("Action").fill("auth.sign_in")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]action=auth.sign_in"))
    expect(page.get_by_label("Action")).to_have_value("auth.sign_in")
    expect(sign_in_rows(page, officer)).to_have_count(1)


def test_phone_sized_screen_reaches_navigation_and_audit_table_without_sideways_scrolling(
    phone_page, officer, request
):
    page = phone_page
    shots = results_dir(request.config)

    def assert_fits_the_screen(label):
        page.wait_for_load_state("load")  # measure with the stylesheet applied, not a half-loaded page
        scroll_width, inner_width, too_wide = page.evaluate(MEASURE_WIDTH, PHONE["width"])
        assert max(scroll_width, inner_width) <= PHONE["width"], (
            f"{label}: the page is {scroll_width}px wide on a {PHONE['width']}px screen "
            f"(window.innerWidth {inner_width}px); too wide: {too_wide}"
        )

    page.goto("/")
    expect(page.get_by_label("Email")).to_be_visible()
    assert_fits_the_screen("sign-in page")
    save_page(page, shots / "journey-phone-1-sign-in.png")

    sign_in(page, officer)
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Olga")
    wait_for_panels(page)
    assert_fits_the_screen("dashboard")
    save_page(page, shots / "journey-phone-2-dashboard.png")

    # On a phone the main navigation is behind the menu button in the header.
    menu_button = page.get_by_test_id("menu-button")
    expect(menu_button).to_be_in_viewport()
    menu_button.tap()
    audit_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail")
    expect(audit_link).to_be_in_viewport()
    audit_link.tap()
    expect(page).to_have_url(re.compile(r"/audit/$"))
    expect(page.get_by_test_id("audit-table")).to_be_visible()
    expect(sign_in_rows(page, officer)).to_have_count(1)
    assert_fits_the_screen("audit trail")
    save_page(page, shots / "journey-phone-3-audit-trail.png")
