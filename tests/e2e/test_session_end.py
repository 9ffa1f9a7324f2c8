"""A session that ends while a page keeps asking for a part of itself (a progress bar polling): the whole
page goes to the sign-in page, not the sign-in form into the progress bar, and signing in again leads back to
the page (dpms.middleware.HtmxSignInMiddleware, through a real browser and htmx)."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from access.models import ImportJob
from tests.e2e.conftest import pass_second_factor, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e


def test_a_polling_page_whose_session_ended_goes_to_sign_in_and_comes_back(browser_page, officer):
    page = browser_page
    sign_in(page, officer)
    job = ImportJob.objects.create(uploaded_by=officer, filename="grants.csv", sha256="0" * 64, content=b"x")
    page.goto(f"/access/imports/{job.pk}/")
    expect(page.get_by_test_id("import-progress")).to_be_visible()

    Session.objects.all().delete()  # the session ends (signed out elsewhere, or ended by an administrator)

    expect(page).to_have_url(re.compile(rf"/accounts/login/\?next=/access/imports/{job.pk}/$"))
    expect(page.get_by_test_id("import-progress")).to_have_count(0)
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    pass_second_factor(page, officer)
    expect(page).to_have_url(re.compile(rf"/access/imports/{job.pk}/$"))
    expect(page.get_by_test_id("import-progress")).to_be_visible()
