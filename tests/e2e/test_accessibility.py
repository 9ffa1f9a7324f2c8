"""Accessibility beyond what axe-core checks on every journey page (tests/e2e/conftest.py): after an htmx
update brings a result message, the keyboard focus is on it, so a screen reader reads it and a keyboard
user starts from it."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse
from playwright.sync_api import expect

from dpms.celery import app as celery_app
from tests.conftest import TEST_QUEUE
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.celery]


@pytest.mark.django_db(transaction=True)
def test_the_focus_moves_to_the_message_an_htmx_update_brings(browser_page, security_officer):
    page = browser_page
    sign_in(page, security_officer)
    page.goto(reverse("audit_trail"))
    page.get_by_test_id("audit-verify").click()
    # No worker yet: the run waits, and the page polls it with htmx.
    section = page.get_by_test_id("audit-verification")
    expect(section).to_contain_text("Verifying the audit trail")
    page.get_by_role("link", name="Audit trail").first.focus()  # the focus somewhere else on the page
    # A real worker starts now (as the celery_worker fixture starts one, without emptying the queue first),
    # and the run finishes.
    options = {"pool": "solo", "concurrency": 1, "perform_ping_check": False, "shutdown_timeout": 30}
    with start_worker(celery_app, queues=[TEST_QUEUE], **options):
        result = page.get_by_test_id("audit-verification-result")
        expect(result).to_contain_text("The audit trail is whole", timeout=30_000)
    expect(result).to_be_focused()
