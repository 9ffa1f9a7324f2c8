"""Browser journeys: Debian's chromium, headless, driven by Playwright's sync API against the live server.

Our own fixtures rather than pytest-playwright's: its ``playwright`` fixture lives for the whole session, so
its event loop would stay marked as running in the main thread and every later database test would need
Django's async-safety check switched off. Here the browser lives for one test module, and the check is off
only while it does. Playwright's own browser download is never used: we launch Debian's ``chromium``.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import _missing
from tests.factories import TEST_PASSWORD

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

    try:
        page.evaluate("0")  # one round trip, so console events the page sent last have been delivered
        call = request.node.stash.get(_reports, {}).get("call")
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
