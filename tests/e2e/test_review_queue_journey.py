"""A manager clears a queue of 45 items with the keyboard alone, on a laptop and on a phone: two rows selected
and their recommendations accepted, then every other recommendation in one go, then the two items without
one decided by hand (a keep at once; a revoke, whose justification the row asks for inline). Each decision
swaps its row in place; the page has no console error and no CSP violation (the fixtures fail on any).

The CSP part: htmx "settles" the attributes of a swapped element that keeps its id, copying the old
element's class and, by default, its style onto the new one with setAttribute (a style attribute is inline
style to the CSP: refused, and logged). Any style attribute on the old row (a browser extension's highlight,
a field resized by hand, a screenshot tool hiding the caret) made every decision log errors. The test puts
such a style attribute on the rows before deciding them, as those would; dpms.js settles classes only.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from access.choices import Decision, Recommendation
from access.models import ReviewItem
from tests.access.factories import (
    GrantFactory,
    ReviewCampaignFactory,
    ReviewItemFactory,
    RoleFactory,
    SystemFactory,
)
from tests.e2e.conftest import DESKTOP, PHONE, results_dir, save_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

BATCH_WHY = "Checked against HR's leaver list and last month's sign-ins with the team leads."
REVOKE_WHY = "Left the payroll project in October."

# Recommendations in turn for the 43 items that have one (what accepting does: revoke, revoke, keep, ...).
DECISIVE = [
    *(Recommendation.INACTIVE, Recommendation.DEACTIVATED, Recommendation.IN_USE),
    *(Recommendation.EXPIRED, Recommendation.IN_USE, Recommendation.IN_USE),
]


@pytest.fixture
def queue(transactional_db):
    """45 pending items for one manager: 15 people with 3 grants each over 5 systems, some privileged; every
    item but two of the last person's (not privileged) has a recommendation that decides."""
    manager = UserFactory(email="maria.manager@example.com", full_name="Maria Manager")
    campaign = ReviewCampaignFactory(
        name="Q4 access review", launched_at=timezone.now() - datetime.timedelta(days=2)
    )
    systems = [SystemFactory(name=name) for name in ("CRM", "Ledger", "Payroll", "Wiki", "Warehouse")]
    roles = [
        RoleFactory(system=system, name=f"{system.name} {kind}", privileged=kind == "admin")
        for system in systems
        for kind in ("user", "admin", "reader")
    ]
    n = 0
    for person in range(15):
        holder = UserFactory(full_name=f"{chr(65 + person)}. Person {person + 1:02}", manager=manager)
        for grant_no in range(3):
            role = roles[(person * 3 + grant_no) % len(roles)]
            last = person == 14 and grant_no != 1  # the last person's user and reader roles (not admin)
            recommendation = "" if last else DECISIVE[n % len(DECISIVE)]
            if person == 14 and grant_no == 2:
                recommendation = Recommendation.NEVER_REVIEWED  # says "look closely": decides nothing
            ReviewItemFactory(
                campaign=campaign,
                grant=GrantFactory(user=holder, role=role, granted_by=manager),
                granted_by_label="Maria Manager",
                reviewer=manager,
                recommendation=recommendation,
                recommendation_reason=f"Reason {n}." if recommendation else "",
            )
            n += 1
    return manager


def rows(page):
    return page.get_by_test_id("review-item")


def keys(page, *presses):
    for key in presses:
        page.keyboard.press(key)


def mark_rows_with_inline_style(page):
    """What an extension or a resized field leaves behind: a style attribute on the rows (set through the
    CSSOM, which the CSP allows)."""
    page.evaluate(
        """() => document.querySelectorAll("[data-row]").forEach((row) => {
          row.style.outline = "1px dotted";
        })"""
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_manager_clears_45_items_with_the_keyboard(request, queue, size):
    page = request.getfixturevalue("browser_page" if size == "desktop" else "phone_page")
    viewport = DESKTOP if size == "desktop" else PHONE
    shots = results_dir(request.config)
    sign_in(page, queue)
    page.goto("/access/reviews/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your access review queue")
    progress = page.get_by_test_id("queue-progress")
    expect(progress).to_contain_text("45 left · 0 of 45 decided")
    expect(rows(page)).to_have_count(45)
    page.wait_for_load_state("load")
    width, height = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert width <= viewport["width"], "the queue scrolls sideways"
    if size == "desktop":
        # 45 rows fit in about two laptop screens
        assert height <= 2.25 * viewport["height"], height
    save_page(page, shots / f"review-queue-{size}-1-45-pending.png")

    # the shortcuts are listed
    keys(page, "?")
    expect(page.get_by_test_id("shortcuts")).to_be_visible()
    expect(page.get_by_test_id("shortcuts")).to_contain_text("accept recommendations")
    keys(page, "Escape")
    expect(page.get_by_test_id("shortcuts")).to_be_hidden()

    # two rows selected with x, their recommendations accepted with one justification
    keys(page, "j")
    expect(rows(page).nth(0)).to_be_focused()
    keys(page, "x", "j", "x")
    expect(rows(page).nth(1)).to_be_focused()
    expect(page.locator("[data-selection]")).to_have_text("2 rows selected: the buttons act on them only.")
    keys(page, "a")
    expect(page.get_by_label("Justification for the batch")).to_be_focused()
    page.keyboard.type(BATCH_WHY)
    keys(page, "Enter")
    expect(
        page.get_by_role("status").filter(has_text="Recommendations accepted: 1 item revoked, 1 item kept.")
    ).to_be_visible()
    expect(progress).to_contain_text("43 left · 2 of 45 decided")
    page.wait_for_load_state("load")  # the shortcuts work once dpms.js has run (a deferred script)

    # every other recommendation in view, in one go (nothing selected)
    keys(page, "a")
    page.keyboard.type(BATCH_WHY)
    keys(page, "Enter")
    expect(
        page.get_by_role("status").filter(has_text="2 items without a recommendation left for you")
    ).to_be_visible()
    expect(progress).to_contain_text("2 left · 43 of 45 decided")
    expect(rows(page)).to_have_count(2)  # the page shows what is pending
    page.wait_for_load_state("load")
    save_page(page, shots / f"review-queue-{size}-2-two-left.png")

    # the two by hand: a keep at once, a revoke whose justification the row asks for; rows swap in place
    mark_rows_with_inline_style(page)
    first, second = rows(page).nth(0), rows(page).nth(1)
    keys(page, "j")
    expect(first).to_be_focused()
    keys(page, "y")
    expect(first.get_by_test_id("decision")).to_have_text("Keep")
    expect(second).to_be_focused()  # on to the next row
    expect(progress).to_contain_text("1 left · 44 of 45 decided")
    mark_rows_with_inline_style(page)
    keys(page, "n")
    justification = second.get_by_label(re.compile("Justification"))
    expect(justification).to_be_focused()
    expect(second).to_contain_text("A justification is required for a revoke decision.")
    page.keyboard.type(REVOKE_WHY)
    keys(page, "Enter")
    expect(second.get_by_test_id("decision")).to_have_text("Revoke")
    expect(second).to_contain_text(REVOKE_WHY)
    expect(progress).to_contain_text("0 left · 45 of 45 decided")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the queue scrolls sideways"
    save_page(page, shots / f"review-queue-{size}-3-done.png")

    items = ReviewItem.objects.filter(reviewer=queue)
    assert not items.filter(decision=Decision.PENDING).exists()
    accepted = items.filter(bulk=True)
    assert accepted.count() == 43
    assert set(accepted.values_list("justification", flat=True)) == {BATCH_WHY}
    assert accepted.filter(privileged=True).exists()  # privileged items were accepted in the batch too
    by_hand = items.filter(bulk=False).order_by("decision")
    assert [(i.decision, i.justification) for i in by_hand] == [
        (Decision.KEEP, ""),
        (Decision.REVOKE, REVOKE_WHY),
    ]
