"""Browser journeys: Debian's chromium, headless, driven by Playwright's sync API against the live server.

Our own fixtures rather than pytest-playwright's: its ``playwright`` fixture lives for the whole session, so
its event loop would stay marked as running in the main thread and every later database test would need
Django's async-safety check switched off. Here the browser lives for one test module, and the check is off
only while it does. Playwright's own browser download is never used: we launch Debian's ``chromium``.
"""

import contextlib
import os
import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.conftest import _missing
from tests.factories import TEST_PASSWORD, UserFactory

CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root, where chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the network is closed: no update checks, no safe browsing
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

_reports = pytest.StashKey[dict]()


def results_dir(config) -> Path:
    """Screenshots and page HTML for review go to test-results/ (git-ignored) at the repository root."""
    path = Path(config.rootpath) / "test-results"
    path.mkdir(exist_ok=True)
    return path


def save_page(page, path: Path) -> None:
    """A full-page screenshot at ``path`` and the page's HTML beside it, once the stylesheet has loaded."""
    page.wait_for_load_state("load")
    page.screenshot(path=str(path), full_page=True, caret="initial")  # "hide" leaves style="" behind
    path.with_suffix(".html").write_text(page.content(), encoding="utf-8")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item: the page fixture's teardown asks whether the test failed."""
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="module")
def chromium():
    """One headless Debian chromium per test module. Missing chromium skips locally and fails in CI."""
    executable = shutil.which("chromium")
    if not executable:
        _missing("Debian's chromium", "install it with `apt-get install chromium` to run the browser tests")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API marks an event loop as running in this thread while it is open; the test's own
    # ORM calls (factories, assertions) are still plain synchronous code, so Django may run them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Chromium logs a CSP violation without saying where it came from; this names the directive, the blocked
# resource, and the file, line and first characters of the offending code. Init scripts are not subject to
# the page's CSP.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline code"} `
    + `at ${event.sourceFile || event.documentURI}:${event.lineNumber}:${event.columnNumber} `
    + `sample=${JSON.stringify(event.sample)}`);
});
"""


# Accessibility: axe-core (bundled by axe-playwright-python; no CDN) checks every page a journey opens, once
# it has loaded and again after each htmx swap settles, in the page itself. Only our own pages (not the
# OpenID provider's), only the top frame. A serious or critical violation fails the test, naming the rule,
# the page and the elements. The checks report through a binding, so a page left quickly is still heard
# from; one left before its check finished is opened again at the end and checked then.
AXE_RUNNER = """
(() => {
  if (window.top !== window || location.origin !== %(origin)s) return;
  const url = location.pathname + location.search;
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  let timer = null, running = null, again = false;
  window.__dpmsAxeSeen(url);
  const check = (reason) => {
    if (running) { again = true; return; }
    running = axe.run(document, {resultTypes: ["violations"]})
      .then((result) => window.__dpmsAxeReport(url, reason, result.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + "  " + n.failureSummary)}))))
      .catch((error) => window.__dpmsAxeReport(url, reason, [{id: "axe-error", impact: "critical",
                                                           help: String(error), nodes: []}]))
      .finally(() => { running = null; if (again) { again = false; schedule("after htmx"); } });
  };
  const schedule = (reason) => { clearTimeout(timer); timer = setTimeout(() => check(reason), 120); };
  window.__dpmsAxeIdle = async () => {
    while (document.readyState !== "complete") await pause(50);
    await pause(250);
    while (running) { await running; await pause(200); }
  };
  window.addEventListener("load", () => schedule("on load"));
  document.addEventListener("htmx:afterSettle", () => schedule("after htmx"));
})();
"""
# Addresses not opened again at the end (a one-time link, a sign-out).
AXE_NOT_REOPENED = re.compile(r"/accounts/(logout|oidc|.*callback)|/download|\.csv|\.json|/evidence")


class AxeChecks:
    """What axe found on the pages one browser context opened."""

    def __init__(self):
        self.seen: dict[str, int] = {}
        self.reported: dict[str, int] = {}
        self.violations: list[str] = []

    def see(self, source, url):
        self.seen[url] = self.seen.get(url, 0) + 1

    def report(self, source, url, reason, violations):
        self.reported[url] = self.reported.get(url, 0) + 1
        if os.environ.get("AXE_LOG"):  # which pages were checked, for a look at the coverage
            with open(os.environ["AXE_LOG"], "a", encoding="utf-8") as log:
                log.write(f"{source['page'].viewport_size['width']}\t{url}\t{reason}\t{len(violations)}\n")
        for v in violations:
            nodes = "\n      ".join(v["nodes"]) or "(no element)"
            self.violations.append(f"{v['impact']} {v['id']} on {url} ({reason}): {v['help']}\n      {nodes}")

    def unheard(self) -> list[str]:
        return [url for url in self.seen if self.reported.get(url, 0) == 0]


def _finish_axe(page, checks: AxeChecks) -> None:
    """Wait for the check of the page on screen, then check the pages left before theirs finished."""
    if page.is_closed():
        return
    with contextlib.suppress(PlaywrightError):  # a page navigating right now: it is opened again below
        page.evaluate("window.__dpmsAxeIdle ? window.__dpmsAxeIdle() : null")
    for url in checks.unheard():
        if AXE_NOT_REOPENED.search(url):
            continue
        response = page.goto(url)
        if response is not None and response.ok:
            page.evaluate("window.__dpmsAxeIdle ? window.__dpmsAxeIdle() : null")


def _is_problem(message) -> bool:
    # CSP violations are console errors ("Refused to ..." in older Chromium); match them at any level.
    # HTTP error statuses are judged from the responses instead (see _bad_response).
    text = message.text
    if text.startswith("Failed to load resource: the server responded with a status of"):
        return False
    return message.type == "error" or text.startswith("Refused to") or "Content Security Policy" in text


def _bad_response(response) -> bool:
    """A server error anywhere, or a missing stylesheet, script or image. A page's own 4xx is not a problem
    here: a test that opens a page it may not see asserts what the person is shown."""
    if response.status >= 500:
        return True
    return response.status >= 400 and not response.request.is_navigation_request()


def _open_page(request, chromium, live_server, viewport, **context_options):
    """A fresh browser context on the live server. Every console error, CSP violation, uncaught script error,
    server error and missing asset fails the test; a failed test leaves a full-page screenshot and the HTML
    in test-results/."""
    context = chromium.new_context(base_url=live_server.url, viewport=viewport, **context_options)
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    axe = AxeChecks()
    context.expose_binding("__dpmsAxeSeen", axe.see)
    context.expose_binding("__dpmsAxeReport", axe.report)
    context.add_init_script(AXE_SCRIPT)
    context.add_init_script(AXE_RUNNER % {"origin": repr(live_server.url.rstrip("/"))})
    page = context.new_page()
    problems = []

    def on_console(message):
        if _is_problem(message):
            problems.append(f"console {message.type} on {page.url}: {message.text} ({message.location})")

    def on_page_error(error):
        problems.append(f"uncaught error on {page.url}: {error}")

    def on_response(response):
        if _bad_response(response):
            problems.append(f"HTTP {response.status} for {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    page.on("response", on_response)
    yield page

    scripts = context_options.get("java_script_enabled", True)  # without, the page cannot be asked anything
    try:
        call = request.node.stash.get(_reports, {}).get("call")
        if call is not None and call.passed and scripts:
            _finish_axe(page, axe)
            if axe.violations:
                problems.append(
                    "axe found serious or critical accessibility violations:\n  "
                    + "\n  ".join(axe.violations)
                )
        if scripts:
            page.evaluate("0")  # one round trip, so console events the page sent last have been delivered
        if (call is not None and call.failed) or problems:
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            save_page(page, results_dir(request.config) / f"{name}.png")
    finally:
        context.close()
    if problems:
        pytest.fail("the browser reported problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def browser_page(request, chromium, live_server):
    """A desktop-sized page (1280x800) on the live server."""
    yield from _open_page(request, chromium, live_server, DESKTOP)


@pytest.fixture
def phone_page(request, chromium, live_server):
    """A phone-sized page (390x844, touch, mobile viewport rules) on the live server."""
    yield from _open_page(request, chromium, live_server, PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def officer(transactional_db):
    """Olga Officer, a security officer, committed for the live server (she signs in with a second factor)."""
    return UserFactory(email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"])


def sign_in(page, user):
    """Through the real sign-in form, as a person would (with a second factor, where they must have one)."""
    give_second_factor(user)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    pass_second_factor(page, user)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def give_second_factor(user):
    """Security officers, auditors and admins must have a second factor (dpms/mfa.py): before they sign in,
    the test gives them an authenticator app (``pass_second_factor`` then types its code)."""
    from dpms.mfa import mfa_enabled, mfa_required
    from tests.mfa_support import give_totp

    if mfa_required(user) and not mfa_enabled(user):
        give_totp(user)


def pass_second_factor(page, user):
    """After the password: the code of the app ``give_second_factor`` gave, for people who have one."""
    from dpms.mfa import mfa_enabled
    from tests.mfa_support import unused_code

    if not mfa_enabled(user):
        return
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label("Code").fill(unused_code(user))
    page.get_by_role("button", name="Verify").click()
