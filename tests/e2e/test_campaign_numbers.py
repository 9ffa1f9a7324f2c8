"""Honest campaign numbers in a real browser: the campaign page fits a phone (no sideways scrolling, the
long hash folded away), its progress says reviewed, defaulted and pending in words, and closing under
100 % reviewed needs the defaults accepted before anything happens."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from access.choices import CampaignKind, CampaignStatus, Decision
from access.models import ReviewCampaign
from access.services.closing import campaign_close
from access.services.reviews import item_decide
from tests.access.closing_support import campaign_with_items
from tests.access.factories import ReviewCampaignFactory, ReviewPolicyFactory
from tests.e2e.conftest import results_dir, save_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e
KEY = "adhoc-20261202T203320924849"


@pytest.fixture
def campaign(transactional_db):
    """An ad hoc campaign of ten items, four reviewed by a person, with a full population hash."""
    officer = UserFactory(
        email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"]
    )
    policy = ReviewPolicyFactory(name="Production systems access review")
    campaign = ReviewCampaignFactory(
        policy=policy,
        kind=CampaignKind.AD_HOC,
        period_key=KEY,
        name="Ad hoc review, 2 Dec 2026 · Production systems access review",
        launched_by=officer,
        launched_at=timezone.now() - datetime.timedelta(days=1),
    )
    campaign_with_items(10, campaign=campaign)
    ReviewCampaign.objects.filter(pk=campaign.pk).update(population_sha256="f3" * 32)
    for item in campaign.items.order_by("pk")[:4]:
        item_decide(item=item, actor=officer, decision=Decision.KEEP, justification="still needed")
    return SimpleNamespace(officer=officer, campaign=campaign)


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_campaign_page_fits_a_phone_and_says_what_was_reviewed(request, phone_page, campaign):
    page = phone_page
    sign_in(page, campaign.officer)
    page.goto(f"/access/campaigns/{campaign.campaign.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ad hoc review, 2 Dec 2026 · Production systems access review"
    )
    progress = page.get_by_test_id("overall-progress")
    expect(progress).to_contain_text("40% reviewed")
    expect(progress).to_contain_text("4 of 10 by a person · 6 pending")
    expect(page.get_by_text(KEY)).to_have_count(0)
    full_hash = page.get_by_test_id("population-sha256")
    expect(full_hash).to_be_hidden()
    page.get_by_text("Show the full population SHA-256").click()
    expect(full_hash).to_have_text("f3" * 32)
    assert page_width(page) <= 390
    save_page(page, results_dir(request.config) / "campaign-detail-phone.png")
    page.goto(f"/access/campaigns/{campaign.campaign.pk}/close")
    expect(page.get_by_test_id("close-warning")).to_contain_text("Only 40% reviewed.")
    assert page_width(page) <= 390
    page.goto("/access/campaigns/")
    expect(page.get_by_test_id("campaign-numbers")).to_contain_text("40% reviewed")
    save_page(page, results_dir(request.config) / "campaign-list-phone.png")
    assert page_width(page) <= 390
    # Closed: the evidence card with its file hash fits too, and the page says what was reviewed.
    campaign_close(campaign=campaign.campaign, actor=campaign.officer, now=timezone.now(), confirmed=True)
    page.goto(f"/access/campaigns/{campaign.campaign.pk}/close")
    expect(page.get_by_test_id("evidence-reviewed-share")).to_contain_text("40% reviewed by a person")
    assert page_width(page) <= 390
    save_page(page, results_dir(request.config) / "campaign-evidence-phone.png")
    page.goto(f"/access/campaigns/{campaign.campaign.pk}/")
    expect(page.get_by_test_id("overall-progress")).to_contain_text("6 defaulted (no response)")
    assert page_width(page) <= 390


def test_closing_under_100_percent_needs_the_defaults_accepted(request, browser_page, campaign):
    page = browser_page
    sign_in(page, campaign.officer)
    page.goto(f"/access/campaigns/{campaign.campaign.pk}/")
    page.get_by_role("link", name="Close campaign").click()
    warning = page.get_by_test_id("close-warning")
    expect(warning).to_contain_text(
        "Only 40% reviewed. 6 of 10 items nobody has decided will take the default"
    )
    page.get_by_label("I want to close this campaign now").check()
    page.get_by_role("button", name="Close the campaign").click()
    # The second box is required: the browser does not send the form, and nothing is closed.
    accept = page.get_by_label("6 items nobody reviewed will take the default")
    expect(accept).to_be_visible()
    assert ReviewCampaign.objects.get(pk=campaign.campaign.pk).status == CampaignStatus.OPEN
    save_page(page, results_dir(request.config) / "campaign-close-confirm-defaults.png")
    accept.check()
    page.get_by_role("button", name="Close the campaign").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Closed")
    expect(page.get_by_test_id("evidence-reviewed-share")).to_contain_text(
        "40% reviewed by a person: 4 of 10 items; 6 took the default because nobody decided them."
    )
    page.get_by_role("link", name="Back to the campaign").click()
    progress = page.get_by_test_id("overall-progress")
    expect(progress).to_contain_text("40% reviewed")
    expect(progress).to_contain_text("6 defaulted (no response)")
    expect(progress).not_to_contain_text("100%")
    save_page(page, results_dir(request.config) / "campaign-detail-closed.png")
