"""The audit trail read in a browser: an auditor finds the events about one kind of object through the type
select (by its name), reads an update as "field: before → after", opens a long value to read it whole, and
the page fits a phone. Screenshots in test-results/screens/<size>/audit-trail-words.png."""

import pytest
from playwright.sync_api import expect

from dpms import audit
from tests.e2e.conftest import results_dir, save_page, sign_in
from tests.factories import audit_event

pytestmark = pytest.mark.e2e

LONG = "Kept for the payroll run of December; the vendor's contract says the access ends with it. " * 6


@pytest.fixture
def trail(transactional_db, staff):
    before = {"job_title": "Clerk", "full_name": "Sam Staff"}
    after = {"job_title": "Payroll clerk", "full_name": "Sam Staff"}
    audit_event(action="people.user.update", obj=staff, changes=audit.diff(before, after))
    audit_event(
        action="access.item.decide",
        object_type="access.reviewitem",
        object_id="41",
        object_label="Sam Staff · Payroll · admin",
        changes={"decision": ["pending", "exception"], "justification": ["", LONG]},
    )
    audit_event(
        action="risk.category.delete",
        object_type="risk.riskcategory",
        object_id="3",
        object_label="Fraud",
        changes={"name": "Fraud", "description": ""},
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_auditor_filters_by_type_and_reads_the_changes(request, trail, auditor, size):
    page = request.getfixturevalue("browser_page" if size == "desktop" else "phone_page")
    sign_in(page, auditor)
    page.goto("/audit/")
    if size == "phone":
        page.get_by_text("Filter", exact=True).first.click()
    page.get_by_label("Object type").select_option(label="Review item")
    page.get_by_role("button", name="Filter", exact=True).click()

    table = page.get_by_test_id("audit-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    changes = table.locator('td[data-label="Changes"]')
    decision = changes.locator("li").first
    expect(decision.locator(".audit-field")).to_have_text("Decision:")
    expect(decision.locator("del")).to_have_text("Pending")
    expect(decision.locator("ins")).to_have_text("Keep until a date")
    expect(table).to_contain_text("Review item #41")
    full = changes.locator(".audit-full")
    expect(full).to_be_hidden()
    changes.locator(".audit-long summary").click()
    expect(full).to_be_visible()
    expect(full).to_contain_text("ends with it. Kept for the payroll run")

    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"
    folder = results_dir(request.config) / "screens" / size
    folder.mkdir(parents=True, exist_ok=True)
    save_page(page, folder / "audit-trail-words.png")
