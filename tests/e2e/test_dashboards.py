"""Every persona's dashboard through a real browser, on a laptop (1280x800) and a phone (390x844): the
charts draw (each panel loaded by its own request), the page is no wider than the screen, the browser
reports no error (no console or CSP error); screenshots are kept in
test-results/. The incident metrics page fits a laptop's width too."""

import re

import pytest
from playwright.sync_api import expect

from tests.access.factories import GrantFactory, RoleFactory
from tests.dashboard_support import wait_for_panels
from tests.dpms.dashboard_support import campaign_with, officer_world
from tests.e2e.conftest import DESKTOP, _open_page, results_dir, save_page, sign_in
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.e2e

# What each persona's dashboard draws (data-chart of each chart).
CHARTS = {
    "officer": [
        "campaign-completion",
        "risk-portfolio",
        "open-incidents",
        "dashboard-mttr",
        "dashboard-clocks",
    ],
    "manager": ["review-queue", "reports-access"],
    "staff": ["review-queue", "my-incidents"],
}


@pytest.fixture
def cast(transactional_db):
    officer = UserFactory(
        email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"]
    )
    manager = UserFactory(email="mona.manager@example.com", full_name="Mona Manager")
    staff = UserFactory(email="sam.staff@example.com", full_name="Sam Staff", manager=manager)
    report = UserFactory(email="rita.report@example.com", full_name="Rita Report", manager=manager)
    officer_world(24, reporters=[staff, report])
    for holder, count in ((staff, 3), (report, 5)):
        for n in range(count):
            GrantFactory(user=holder, role=RoleFactory(privileged=n == 0))
    campaign_with(["keep", "pending", "pending"], reviewer=manager, name="Quarterly review")
    campaign_with(["pending", "revoke"], reviewer=staff, name="Team review")
    IncidentFactory(reported_by=staff, title="Lost badge")
    return {"officer": officer, "manager": manager, "staff": staff}


def assert_fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide on a {width} px screen"


@pytest.mark.parametrize("persona", ["officer", "manager", "staff"])
def test_the_dashboard_draws_its_charts_and_fits_a_laptop(browser_page, cast, persona, request):
    sign_in(browser_page, cast[persona])
    for slug in CHARTS[persona]:  # each panel loads itself: the locator waits for it
        expect(browser_page.locator(f'[data-chart="{slug}"] svg[role]')).to_be_visible()
    wait_for_panels(browser_page)
    assert_fits(browser_page, 1280)
    save_page(browser_page, results_dir(request.config) / f"dashboard-{persona}-laptop.png")


def test_the_running_clocks_count_down_once_their_panel_has_loaded(browser_page, cast):
    """The clocks panel arrives after the page has loaded: static/js/dpms.js still keeps its countdowns."""
    sign_in(browser_page, cast["officer"])
    browser_page.clock.install()  # the page's own clock, which runs as the real one until moved on
    browser_page.reload()
    countdown = browser_page.get_by_test_id("running-clocks-panel").locator("time[data-countdown]").first
    expect(countdown).to_be_visible()
    # Move the deadline two days on: the next update (every 30 seconds) rewrites the text from it.
    countdown.evaluate(
        "time => time.setAttribute('datetime', new Date(Date.now() + 49 * 3600e3).toISOString())"
    )
    expect(countdown).not_to_have_text(re.compile(r"^4[89] h"))
    browser_page.clock.fast_forward(31_000)
    expect(countdown).to_have_text(re.compile(r"^4[89] h \d+ min left$"))


@pytest.mark.parametrize("persona", ["officer", "manager", "staff"])
def test_the_dashboard_fits_a_phone(phone_page, cast, persona, request):
    sign_in(phone_page, cast[persona])
    expect(phone_page.locator(f'[data-chart="{CHARTS[persona][0]}"] svg')).to_be_visible()
    wait_for_panels(phone_page)
    assert_fits(phone_page, 390)
    save_page(phone_page, results_dir(request.config) / f"dashboard-{persona}-phone.png")


def test_the_metrics_page_fits_a_laptop(browser_page, cast, request):
    sign_in(browser_page, cast["officer"])
    browser_page.goto("/incidents/metrics/")
    expect(browser_page.locator('[data-chart="metrics-mttr"] svg')).to_be_visible()
    assert_fits(browser_page, 1280)
    # The severity table is whole in its box: nothing cut off behind a scroll bar.
    table_box = browser_page.get_by_test_id("metrics-severity").locator("xpath=..")
    assert table_box.evaluate("box => box.scrollWidth <= box.clientWidth")
    save_page(browser_page, results_dir(request.config) / "incident-metrics-laptop.png")


def test_the_metrics_page_fits_a_phone(phone_page, cast, request):
    sign_in(phone_page, cast["officer"])
    phone_page.goto("/incidents/metrics/")
    expect(phone_page.locator('[data-chart="metrics-clocks"] svg')).to_be_visible()
    assert_fits(phone_page, 390)
    save_page(phone_page, results_dir(request.config) / "incident-metrics-phone.png")


@pytest.fixture
def page_without_js(request, chromium, live_server):
    """A desktop-sized page in a browser that runs no JavaScript at all."""
    yield from _open_page(request, chromium, live_server, DESKTOP, java_script_enabled=False)


def test_without_javascript_the_dashboard_shows_every_panel_on_asking(page_without_js, cast):
    page = page_without_js
    sign_in(page, cast["officer"])
    expect(page.locator(".panel-loading").first).to_be_visible()  # nothing loads them here

    page.get_by_role("link", name="Show the dashboard with every panel in place").click()

    expect(page).to_have_url(re.compile(r"/dashboard/\?panels=inline$"))
    expect(page.locator(".panel-loading")).to_have_count(0)
    for slug in CHARTS["officer"]:
        expect(page.locator(f'[data-chart="{slug}"] svg[role]')).to_be_visible()
    expect(page.get_by_test_id("running-clocks-panel")).to_be_visible()
