"""The access recertification journey through a real browser.

A manager opens the review queue from the dashboard, keeps two items in bulk with one justification, revokes
a privileged one (the row asks for the justification) and watches the progress counter move. A security
officer then finds the campaign from the navigation, closes it (the policy auto-applies revocations, so
revoking one item in three trips the safety stop and the close is confirmed), downloads the evidence CSV and
checks it against its manifest: the file's SHA-256, and the three decisions with their justifications.
"""

import csv
import datetime
import hashlib
import io
import re
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from access.models import Grant
from tests.access.factories import (
    GrantFactory,
    ReviewCampaignFactory,
    ReviewItemFactory,
    ReviewPolicyFactory,
    RoleFactory,
    SystemFactory,
)
from tests.e2e.conftest import DESKTOP, _open_page, results_dir, save_page, sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

BULK_JUSTIFICATION = "Both still post ledger entries and read customer records every week."
REVOKE_JUSTIFICATION = "Moved to reporting in March; CRM administration is no longer part of the job."


@pytest.fixture
def officer_page(request, chromium, live_server):
    """A second desktop page in its own browser context (its own cookies): the security officer's."""
    yield from _open_page(request, chromium, live_server, DESKTOP)


@pytest.fixture
def journey(transactional_db):
    """An open campaign of a policy that auto-applies revocations, with three items for one manager."""
    manager = UserFactory(email="maria.manager@example.com", full_name="Maria Manager")
    officer = UserFactory(
        email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"]
    )
    ana = UserFactory(email="ana.lopez@example.com", full_name="Ana Lopez", manager=manager)
    ben = UserFactory(email="ben.okafor@example.com", full_name="Ben Okafor", manager=manager)
    ledger = SystemFactory(name="Ledger")
    crm = SystemFactory(name="CRM")
    clerk = RoleFactory(system=ledger, name="Ledger clerk")
    reader = RoleFactory(system=crm, name="CRM reader")
    crm_admin = RoleFactory(system=crm, name="CRM administrator", privileged=True)
    policy = ReviewPolicyFactory(name="Quarterly access review", auto_apply=True)
    campaign = ReviewCampaignFactory(
        policy=policy,
        name="Q2 access review",
        launched_at=timezone.now() - datetime.timedelta(days=1),
        population_count=3,
        population_sha256=hashlib.sha256(b"three grants").hexdigest(),
    )
    revoked_grant = GrantFactory(user=ben, role=crm_admin, justification="Set up the CRM rollout.")
    for grant in (GrantFactory(user=ana, role=clerk), GrantFactory(user=ben, role=reader), revoked_grant):
        ReviewItemFactory(campaign=campaign, grant=grant, reviewer=manager)
    return SimpleNamespace(manager=manager, officer=officer, campaign=campaign, revoked_grant=revoked_grant)


def review_item(page, text):
    return page.get_by_test_id("review-item").filter(has_text=text)


def test_manager_recertifies_in_the_queue_and_the_officer_closes_with_checkable_evidence(
    browser_page, officer_page, journey, request
):
    shots = results_dir(request.config)

    # --- the manager: dashboard panel → queue → bulk keep two, revoke one ------------------------------
    page = browser_page
    sign_in(page, journey.manager)
    expect(page.get_by_role("heading", level=1)).to_have_text("Good to see you, Maria")
    panel = page.get_by_test_id("review-queue-panel")
    expect(panel).to_contain_text("3 items pending of 3")
    save_page(page, shots / "access-journey-1-manager-dashboard.png")

    panel.get_by_role("link", name="Open your queue").click()
    expect(page).to_have_url(re.compile(r"/access/reviews/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your access review queue")
    progress = page.get_by_test_id("queue-progress")
    expect(progress).to_contain_text("3 left · 0 of 3 decided")
    before = progress.inner_text()
    expect(page.get_by_test_id("review-item")).to_have_count(3)
    privileged = review_item(page, "CRM · CRM administrator")
    expect(privileged.get_by_test_id("privileged")).to_be_visible()
    save_page(page, shots / "access-journey-2-queue.png")

    review_item(page, "Ledger · Ledger clerk").get_by_role("checkbox").check()
    review_item(page, "CRM · CRM reader").get_by_role("checkbox").check()
    bulk = page.get_by_role("form", name="Decide the selected items")
    bulk.get_by_label("Justification for the batch").fill(BULK_JUSTIFICATION)
    bulk.get_by_role("button", name="Keep selected").click()
    expect(page.get_by_role("status").filter(has_text="2 items kept.")).to_be_visible()
    expect(progress).to_contain_text("1 left · 2 of 3 decided")
    # the queue opened on pending items: the two kept ones have left it
    expect(page.get_by_test_id("review-item")).to_have_count(1)
    save_page(page, shots / "access-journey-3-queue-after-bulk-keep.png")

    privileged = review_item(page, "CRM · CRM administrator")
    privileged.get_by_role("button", name="Revoke").click()
    # the rule wants a justification for a revoke: the row asks for it in place
    privileged.get_by_label("Justification (revoke)").fill(REVOKE_JUSTIFICATION)
    privileged.get_by_role("button", name="Revoke").click()
    expect(privileged.get_by_test_id("decision")).to_have_text("Revoke")  # the row, swapped in place
    expect(privileged).to_contain_text(REVOKE_JUSTIFICATION)
    expect(privileged.get_by_role("button", name="Revoke")).to_have_attribute("aria-pressed", "true")
    expect(progress).to_contain_text("0 left · 3 of 3 decided")
    assert progress.inner_text() != before
    save_page(page, shots / "access-journey-4-queue-after-revoke.png")

    # --- the security officer: navigation → campaign → close, confirm → evidence ----------------------
    page = officer_page
    sign_in(page, journey.officer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Access").click()
    page.get_by_role("navigation", name="Section").get_by_role("link", name="Campaigns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review campaigns")
    page.get_by_test_id("campaign-table").get_by_role("link", name="Q2 access review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Q2 access review")
    expect(page.get_by_test_id("campaign-status")).to_have_text("Open")
    expect(page.get_by_test_id("overall-progress")).to_contain_text("100% reviewed · 3 of 3 by a person")
    save_page(page, shots / "access-journey-5-campaign.png")

    page.get_by_role("link", name="Close campaign").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Close “Q2 access review”")
    page.get_by_label("I want to close this campaign now").check()
    page.get_by_role("button", name="Close the campaign").click()
    # auto-apply would revoke 1 of 3 grants, more than the policy's 20%: the close waits for a confirmation
    expect(page.get_by_test_id("campaign-status")).to_have_text("Awaiting confirmation to close")
    expect(page.get_by_role("alert").filter(has_text="would revoke 1 of 3 grants")).to_be_visible()
    save_page(page, shots / "access-journey-6-close-confirm.png")
    page.get_by_label("I have checked the revocations and confirm the close.").check()
    page.get_by_role("button", name="Confirm and close").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Closed")
    evidence_card = page.get_by_test_id("evidence")
    expect(evidence_card).to_be_visible()
    save_page(page, shots / "access-journey-7-closed-with-evidence.png")

    with page.expect_download() as download_info:
        evidence_card.get_by_role("link", name="Evidence CSV").click()
    download = download_info.value
    content = download.path().read_bytes()
    file_hash = hashlib.sha256(content).hexdigest()
    assert download.suggested_filename == f"access-review-{journey.campaign.pk}-evidence.csv"

    manifest_href = evidence_card.get_by_role("link", name="Manifest").get_attribute("href")
    response = page.request.get(manifest_href)
    assert response.ok, response.status
    manifest = response.json()
    assert manifest["file_sha256"] == file_hash  # `sha256sum` of the downloaded file checks out
    assert manifest["file_name"] == download.suggested_filename
    assert manifest["population_count"] == 3
    expect(evidence_card.locator("code.hash")).to_have_text(file_hash)

    rows = {row["role"]: row for row in csv.DictReader(io.StringIO(content.decode("utf-8")))}
    assert sorted(rows) == ["CRM administrator", "CRM reader", "Ledger clerk"]
    for role in ("Ledger clerk", "CRM reader"):
        assert rows[role]["decision"] == "keep"
        assert rows[role]["justification"] == BULK_JUSTIFICATION
        assert rows[role]["bulk"] == "yes"
        assert rows[role]["decided_by"] == "Maria Manager <maria.manager@example.com>"
        assert rows[role]["revocation_status"] == ""
    revoked = rows["CRM administrator"]
    assert revoked["decision"] == "revoke"
    assert revoked["justification"] == REVOKE_JUSTIFICATION
    assert (revoked["privileged"], revoked["bulk"], revoked["default_applied"]) == ("yes", "no", "no")
    assert revoked["decided_by"] == "Maria Manager <maria.manager@example.com>"
    assert revoked["revocation_status"] == "applied"  # auto-apply: revoked at close, by whom it says
    assert revoked["revocation_done_by"] == "Olga Officer <olga.officer@example.com>"
    assert Grant.objects.get(pk=journey.revoked_grant.pk).revoked_at is not None
