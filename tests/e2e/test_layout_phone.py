"""No page is wider than the screen: every main page of the demo organisation, on a phone (390x844) and on a
laptop (1280x800), as the security officer who sees most of it (the review queue and a review item as the
demo manager, whose queue it is). A table wider than the screen scrolls inside its own box, which is then a
focusable, labelled region. A screenshot of each page at both sizes is kept in
test-results/screens/<size>/<page>.png.

The header's menu button opens and closes the main navigation from the keyboard on a phone, and a list's
filters fold behind a "Filter" button on a phone unless a filter is set; on a laptop they are always shown.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from tests.dashboard_support import wait_for_panels
from tests.e2e.conftest import DESKTOP, PHONE, results_dir, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e

# The page's width, and the elements that stick out past the screen's right edge (outside a table's box).
MEASURE = """(screen) => [
  document.documentElement.scrollWidth,
  [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > screen + 1 && !el.closest(".table-wrap"))
    .slice(0, 4)
    .map((el) => el.tagName.toLowerCase() + (el.getAttribute("class") ? "." + el.getAttribute("class") : "")),
]"""
# Table boxes that scroll sideways but are not a focusable, labelled region.
UNREACHABLE_TABLES = """() => [...document.querySelectorAll(".table-wrap")]
  .filter((box) => box.scrollWidth > box.clientWidth + 1)
  .filter((box) => !(box.getAttribute("tabindex") === "0" && box.getAttribute("role") === "region"
                     && (box.getAttribute("aria-label") || box.getAttribute("aria-labelledby"))))
  .length"""


@pytest.fixture
def demo_people(transactional_db, tmp_path):
    """The demo organisation, committed for the live server; its security officer and manager sign in with
    the tests' password (the officer with the tests' authenticator app)."""
    from allauth.mfa.models import Authenticator

    from dpms.models import User

    with override_settings(DEBUG=True, DATA_DIR=tmp_path):
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    people = {}
    for key, name in (("officer", "Lena Hoffmann"), ("manager", "Priya Raman")):
        person = User.objects.get(full_name=name)
        person.set_password(TEST_PASSWORD)
        person.save(update_fields=["password"])
        Authenticator.objects.filter(user=person).delete()  # sign_in gives the tests' app instead
        people[key] = person
    return people


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def officer_pages(officer) -> dict[str, str]:
    """Page name -> URL: each list, a detail page of each kind (the richest the demo has), the incident
    pages, the audit trail, notifications, the account pages and the search, where it exists."""
    from django.db.models import Count

    from access.models import AccessRequest, ImportJob, ReviewCampaign, ReviewPolicy, RevocationTask, System
    from incidents.models import Incident
    from risk.models import RiskAcceptance, RiskMatrix, TreatmentAction

    risk = officer_risk()
    system = System.objects.annotate(n=Count("roles")).order_by("-n", "pk").first()
    action = TreatmentAction.objects.order_by("pk").first()
    acceptance = RiskAcceptance.objects.order_by("pk").first()
    breach = Incident.objects.filter(is_breach=True, authority_decision="").first()
    sev1 = Incident.objects.filter(severity=1).order_by("status", "pk").first()
    closed = Incident.objects.filter(status="closed").order_by("pk").first()
    detail_of = {
        "access-system": ("access:system", system),
        "access-request": ("access:request_detail", AccessRequest.objects.order_by("pk").first()),
        "access-policy": ("access:policy_detail", ReviewPolicy.objects.order_by("pk").first()),
        "access-campaign": ("access:campaign_detail", ReviewCampaign.objects.order_by("pk").first()),
        "access-revocation": ("access:revocation_detail", RevocationTask.objects.order_by("pk").first()),
        "access-import": ("access:import_job", ImportJob.objects.order_by("pk").first()),
        "risk-detail": ("risk:risk", risk),
        "risk-matrix": ("risk:matrix", RiskMatrix.objects.order_by("pk").first()),
        "incident-breach": ("incidents:detail", breach),
        "incident-sev1": ("incidents:detail", sev1),
        "incident-closed": ("incidents:detail", closed),
    }
    pages = {
        "dashboard": reverse("dashboard"),
        "access-grants": reverse("access:grants"),
        "access-systems": reverse("access:systems"),
        "access-person": reverse("access:person", args=[officer.pk]),
        "access-requests": reverse("access:my_requests"),
        "access-requests-awaiting": reverse("access:requests_awaiting"),
        "access-policies": reverse("access:policies"),
        "access-campaigns": reverse("access:campaigns"),
        "access-revocations": reverse("access:revocation_list"),
        "access-imports": reverse("access:import_list"),
        "access-birthright": reverse("access:birthright"),
        "risk-register": reverse("risk:register"),
        "risk-heatmap": reverse("risk:heatmap"),
        "risk-matrices": reverse("risk:matrices"),
        "risk-actions": reverse("risk:actions"),
        "risk-acceptances": reverse("risk:acceptances"),
        "risk-review-round": reverse("risk:review_round"),
        "incidents-queue": reverse("incidents:queue"),
        "incidents-mine": reverse("incidents:mine"),
        "incident-report": reverse("incidents:report"),
        "incidents-metrics": reverse("incidents:metrics"),
        "incidents-breaches": reverse("incidents:breach_register_page"),
        "incidents-escalation": reverse("incidents:escalation_policies"),
        "vulnerabilities-register": reverse("vulnerabilities:register"),
        "audit-trail": reverse("audit_trail"),
        "notifications": reverse("notifications"),
        "account-password": reverse("account_change_password"),
        "account-mfa": reverse("mfa_index"),
        "account-sessions": reverse("usersessions_list"),
        "account-identities": reverse("socialaccount_connections"),
        "account-api-tokens": reverse("api_tokens"),
        "account-webhooks": reverse("webhooks"),
    }
    for name, (url_name, obj) in detail_of.items():
        if obj is not None:
            pages[name] = reverse(url_name, args=[obj.pk])
    if action is not None:
        pages["risk-action"] = reverse("risk:action_detail", args=[action.risk_id, action.pk])
    if acceptance is not None:
        pages["risk-acceptance"] = reverse("risk:acceptance_detail", args=[acceptance.risk_id, acceptance.pk])
    for name, url in (
        ("notification-settings", _url("notification_preferences")),
        ("search", _url("search") and f"{_url('search')}?q=Hoffmann"),
    ):
        if url:
            pages[name] = url
    return pages


def officer_risk():
    """The risk with the longest review history (its trend is the widest part of a risk's page)."""
    from django.db.models import Count

    from risk.models import Risk

    return Risk.objects.annotate(n=Count("assessments")).order_by("-n", "pk").first()


def manager_pages(manager) -> dict[str, str]:
    from access.models import ReviewItem

    pages = {"access-review-queue": reverse("access:review_queue")}
    item = ReviewItem.objects.filter(reviewer=manager).order_by("decision", "pk").first()
    if item is not None:
        pages["access-review-item"] = reverse("access:review_item", args=[item.pk])
    return pages


def sign_out(page):
    page.locator("details.menu summary").click()
    page.get_by_role("button", name="Sign out").click()


def visit_all(page, size: str, viewport: dict, people, request) -> list[str]:
    """Every main page at one size; returns what is wrong (too wide, not 200, a table out of reach)."""
    folder = results_dir(request.config) / "screens" / size
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for persona, pages in (
        ("officer", officer_pages(people["officer"])),
        ("manager", manager_pages(people["manager"])),
    ):
        sign_in(page, people[persona])
        for name, url in pages.items():
            response = page.goto(url)
            page.wait_for_load_state("load")
            if name == "dashboard":
                wait_for_panels(page)  # measured with every panel in place
            if response is None or response.status != 200:
                problems.append(f"{size} {name} ({url}): HTTP {response and response.status}")
                continue
            width, sticking_out = page.evaluate(MEASURE, viewport["width"])
            if width > viewport["width"]:
                problems.append(
                    f"{size} {name} ({url}): {width}px wide on a {viewport['width']}px screen; {sticking_out}"
                )
            if unreachable := page.evaluate(UNREACHABLE_TABLES):
                problems.append(
                    f"{size} {name} ({url}): {unreachable} table box(es) scroll but are not focusable"
                )
            if name == "risk-matrix" and size == "phone":
                problems += keyboard_scrolls_the_wide_table(page)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True, caret="initial")
        sign_out(page)
    return problems


def keyboard_scrolls_the_wide_table(page) -> list[str]:
    """The risk matrix's grid is wider than a phone: its box is a region named after the table, and the
    arrow keys scroll it once it has the focus."""
    region = page.get_by_role("region", name=re.compile(r"Level of risk .*scrolls sideways"))
    if region.count() != 1:
        return [f"phone risk-matrix: {region.count()} scrolling table regions named after the grid, not 1"]
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(box) => box.scrollLeft > 0", arg=region.element_handle())
    return []


def test_no_main_page_is_wider_than_a_phone_or_a_laptop_screen(
    phone_page, browser_page, demo_people, request
):
    problems = visit_all(phone_page, "phone", PHONE, demo_people, request)
    problems += visit_all(browser_page, "laptop", DESKTOP, demo_people, request)
    if problems:
        pytest.fail("pages that do not fit:\n" + "\n".join(problems), pytrace=False)


# --- The menu button and the filter box --------------------------------------------------------------------


def test_the_menu_button_opens_and_closes_the_navigation_from_the_keyboard_on_a_phone(phone_page, officer):
    page = phone_page
    sign_in(page, officer)
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation).to_be_hidden()
    page.get_by_text("Skip to content").focus()
    button = page.get_by_test_id("menu-button")
    # Tab from the top reaches the menu button before the page (past the brand and the header's links).
    for _ in range(8):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(navigation).to_be_visible()
    expect(navigation.get_by_role("link", name="Incidents")).to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(navigation.get_by_role("link", name="Dashboard")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(navigation).to_be_hidden()
    # Opened again, a link is followed with the keyboard.
    page.keyboard.press("Enter")
    navigation.get_by_role("link", name="Incidents").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/incidents/$"))


def test_on_a_laptop_the_navigation_shows_without_a_menu_button(browser_page, officer):
    sign_in(browser_page, officer)
    expect(
        browser_page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents")
    ).to_be_visible()
    expect(browser_page.get_by_test_id("menu-button")).to_be_hidden()


def test_filters_fold_behind_a_button_on_a_phone_until_one_is_set(phone_page, officer):
    page = phone_page
    sign_in(page, officer)
    page.goto(reverse("incidents:queue"))
    form = page.get_by_role("form", name="Filter incidents")
    button = page.locator("summary.filter-toggle")
    expect(button).to_have_text("Filter")
    expect(form).to_be_hidden()
    button.click()
    expect(form).to_be_visible()
    # A filter that is set keeps the box open when the list comes back, and says how many are set.
    form.get_by_label("Status").select_option(label="Closed")
    form.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=closed"))
    expect(form).to_be_visible()
    expect(button).to_contain_text("1 set")


def test_filters_are_always_shown_on_a_laptop(browser_page, officer):
    page = browser_page
    sign_in(page, officer)
    page.goto(reverse("incidents:queue"))
    expect(page.get_by_role("form", name="Filter incidents")).to_be_visible()
    expect(page.locator("summary.filter-toggle")).to_be_hidden()
