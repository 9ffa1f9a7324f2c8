"""On a phone: a security officer held at enrolment sets up an authenticator app from the key the page shows
(the QR code beside it), with a code computed here, and every page of the way fits the screen."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, results_dir, save_page
from tests.e2e.test_first_journey import MEASURE_WIDTH
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e


def test_officer_sets_up_an_authenticator_app_on_a_phone(phone_page, officer, request):
    page = phone_page
    shots = results_dir(request.config)

    def assert_fits_the_screen(label):
        page.wait_for_load_state("load")
        scroll_width, inner_width, too_wide = page.evaluate(MEASURE_WIDTH, PHONE["width"])
        assert max(scroll_width, inner_width) <= PHONE["width"], f"{label}: too wide: {too_wide}"

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    expect(page.get_by_test_id("mfa-required")).to_be_visible()
    assert_fits_the_screen("two-factor page")
    save_page(page, shots / "mfa-phone-1-enrolment.png")

    page.get_by_role("link", name="Set up an authenticator app").tap()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_fits_the_screen("authenticator app set-up")
    save_page(page, shots / "mfa-phone-2-qr-code.png")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").tap()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    expect(page.get_by_test_id("recovery-codes").get_by_role("listitem")).to_have_count(10)
    assert_fits_the_screen("recovery codes")
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Olga")
