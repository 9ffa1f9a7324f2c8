"""Notifications in a real browser, on a laptop and a phone: grouped by day, the title a real link that
opens in a new tab too and marks the notification read, a review reminder shown as done once the review is
finished, the settings page reached from the account menu. No console errors, nothing wider than a phone."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from access.choices import Decision
from access.services.reviews import item_decide
from dpms.models import Notification
from tests.access.closing_support import campaign_with_items
from tests.access.reminders_support import remind  # the tick, then its send tasks
from tests.e2e.conftest import results_dir, save_page, sign_in
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def manager(transactional_db):
    """A manager told that a review has started (two items), and of an older risk action."""
    person = UserFactory(email="mia.manager@example.com", full_name="Mia Manager", time_zone="Europe/Berlin")
    campaign = campaign_with_items(2, reviewer=person)
    campaign.launched_at = timezone.now() - datetime.timedelta(hours=1)
    campaign.due_at = timezone.now() + datetime.timedelta(days=14)
    campaign.save()
    remind(now=timezone.now())
    NotificationFactory(
        recipient=person,
        subject="Risk action for you: rotate the backup keys",
        link="/risks/",
        created_at=timezone.now() - datetime.timedelta(days=3),
    )
    person.campaign = campaign
    return person


def test_a_manager_opens_a_notification_and_sees_it_done_once_the_review_is_finished(
    request, browser_page, manager
):
    page = browser_page
    sign_in(page, manager)
    page.goto("/notifications/")
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    started = page.get_by_role("link", name=re.compile("The review has started"))
    expect(started).to_have_attribute("href", re.compile(r"^/notifications/\d+/open$"))
    expect(page.get_by_test_id("unread-count")).to_have_text("2")

    started.click()
    expect(page).to_have_url(re.compile(r"/access/reviews/"))
    expect(page.get_by_test_id("unread-count")).to_have_text("1")

    for item in manager.campaign.items.order_by("pk"):
        item_decide(item=item, actor=manager, decision=Decision.KEEP, justification="Still needed")
    page.goto("/notifications/")
    done = page.get_by_test_id("notification").filter(has_text="The review has started")
    expect(done).to_contain_text("Done")
    save_page(page, results_dir(request.config) / "notifications-desktop.png")

    page.locator("details.menu summary").click()
    page.get_by_role("banner").get_by_role("link", name="Notification settings").click()
    page.get_by_role("radio", name="In the app only").first.check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(page.get_by_text("These always come by email as well")).to_be_visible()
    save_page(page, results_dir(request.config) / "notification-settings-desktop.png")


def test_on_a_phone_the_list_fits_and_a_new_tab_marks_read(request, phone_page, manager):
    page = phone_page
    sign_in(page, manager)
    page.goto("/notifications/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_page(page, results_dir(request.config) / "notifications-phone.png")
    link = page.get_by_role("link", name=re.compile("rotate the backup keys"))
    # Opening in a new tab is a plain GET of the link: the notification is read there too.
    with page.context.expect_page() as opened:
        link.click(modifiers=["Control"])
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.endswith("/risks/")
    tab.close()
    note = Notification.objects.get(recipient=manager, subject__contains="rotate the backup keys")
    assert note.read_at is not None
