"""Checkboxes in a real browser at 1280 and 390 px: the close confirmations show the box first with its
label after it on the same line, the label ticks the box; the queue filter and the notification settings
still fit the screen."""

import pytest
from playwright.sync_api import expect

from tests.access.closing_support import campaign_with_items
from tests.e2e.conftest import results_dir, save_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def cast(transactional_db):
    officer = UserFactory(
        email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"]
    )
    reviewer = UserFactory(email="mia.manager@example.com", full_name="Mia Manager")
    campaign = campaign_with_items(3, reviewer=reviewer)
    return officer, reviewer, campaign


def on_one_line(box, label) -> bool:
    """The box left of its label and level with the label's first line."""
    b, t = box.bounding_box(), label.bounding_box()
    return b["x"] + b["width"] <= t["x"] and t["y"] <= b["y"] + b["height"] / 2 <= t["y"] + 24


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_checkboxes_sit_before_their_labels_and_pages_fit(request, cast, size):
    page = request.getfixturevalue("browser_page" if size == "desktop" else "phone_page")
    width = 1280 if size == "desktop" else 390
    officer, reviewer, campaign = cast
    shots = results_dir(request.config)

    sign_in(page, officer)
    page.goto(f"/access/campaigns/{campaign.pk}/close")
    for name in ("sure", "accept_defaults"):
        box = page.locator(f'input[type="checkbox"][name="{name}"]')
        label = page.locator(f'label[for="id_{name}"]')
        assert on_one_line(box, label), name
        label.click()
        expect(box).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_page(page, shots / f"form-checkboxes-close-{size}.png")

    page.goto("/notifications/settings")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_page(page, shots / f"form-checkboxes-notification-settings-{size}.png")

    page.context.clear_cookies()
    sign_in(page, reviewer)
    page.goto("/access/reviews/")
    if size == "phone":
        page.get_by_text("Filter", exact=True).first.click()
    expect(page.get_by_label("Privileged")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    save_page(page, shots / f"form-checkboxes-queue-filter-{size}.png")
