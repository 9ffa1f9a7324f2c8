"""The risk review journey through a real browser.

A security officer opens the heat map from the navigation, clicks the current-risk cell that holds two
risks, lands on the register filtered to that cell, opens one of the risks, records a periodic review that
lowers its current likelihood, and goes back to the heat map: the old cell now counts one risk less and the
new cell one more, while the inherent grid is unchanged.
"""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from risk.choices import RiskStatus
from risk.models import Risk, RiskAssessment
from tests.e2e.conftest import results_dir, save_page, sign_in
from tests.factories import UserFactory
from tests.risk.factories import RiskFactory, active_matrix

pytestmark = pytest.mark.e2e

REVIEW_NOTES = "MFA for remote access and immutable backups are live; an attack is now less likely."
# Scores are 0-based (likelihood, impact) on the active matrix: the cell the journey starts from and the one
# the review moves the risk to.
FROM_CELL, TO_CELL = (3, 3), (1, 3)


@pytest.fixture
def journey(transactional_db):
    """Two open risks in the current-risk cell (3, 3), one in the cell the review moves a risk to, and one
    elsewhere; all owned by a staff member, reviewed by the security officer."""
    officer = UserFactory(
        email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"]
    )
    owner = UserFactory(email="otto.owner@example.com", full_name="Otto Owner")
    matrix = active_matrix()
    common = {"owner": owner, "matrix": matrix, "status": RiskStatus.OPEN, "inherent_likelihood": 4}
    ransomware = RiskFactory(
        reference="R-001",
        title="Ransomware encrypts file shares",
        current_likelihood=FROM_CELL[0],
        current_impact=FROM_CELL[1],
        inherent_impact=4,
        **common,
    )
    RiskFactory(
        reference="R-002",
        title="Phishing leads to credential theft",
        current_likelihood=FROM_CELL[0],
        current_impact=FROM_CELL[1],
        inherent_impact=3,
        **common,
    )
    RiskFactory(
        reference="R-003",
        title="Lost laptop with customer data",
        current_likelihood=TO_CELL[0],
        current_impact=TO_CELL[1],
        inherent_impact=3,
        **common,
    )
    RiskFactory(
        reference="R-004",
        title="DDoS takes the web shop offline",
        current_likelihood=2,
        current_impact=2,
        inherent_impact=2,
        **common,
    )
    return SimpleNamespace(officer=officer, matrix=matrix, ransomware=ransomware)


def cell(page, kind, likelihood_impact):
    likelihood, impact = likelihood_impact
    return page.get_by_test_id(f"cell-{kind}-{likelihood}-{impact}")


def count_in(page, kind, likelihood_impact):
    """The number drawn on a cell (the cell's link also holds a <title> with the full label)."""
    return cell(page, kind, likelihood_impact).locator("text.heatmap-count")


def inherent_counts(page):
    return page.get_by_test_id("heatmap-inherent").locator("text.heatmap-count").all_text_contents()


def open_heat_map(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Risks").click()
    page.get_by_role("navigation", name="Section").get_by_role("link", name="Heat map").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Risk heat map")


def test_officer_goes_from_a_heat_map_cell_to_a_risk_reviews_it_and_sees_the_heat_map_change(
    browser_page, journey, request
):
    shots = results_dir(request.config)
    page = browser_page
    sign_in(page, journey.officer)

    # --- the heat map, from the navigation ----------------------------------------------------------
    open_heat_map(page)
    expect(count_in(page, "current", FROM_CELL)).to_have_text("2")
    expect(count_in(page, "current", TO_CELL)).to_have_text("1")
    inherent_before = inherent_counts(page)
    save_page(page, shots / "risk-journey-1-heat-map.png")

    # --- a cell: the register, filtered to it --------------------------------------------------------
    cell(page, "current", FROM_CELL).click()
    expect(page).to_have_url(re.compile(r"/risks/\?.*likelihood=3"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Risk register")
    expect(page.get_by_test_id("cell-filter")).to_be_visible()
    rows = page.get_by_test_id("risks-table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Ransomware encrypts file shares")).to_have_count(1)
    expect(rows.filter(has_text="Phishing leads to credential theft")).to_have_count(1)
    save_page(page, shots / "risk-journey-2-register-cell.png")

    # --- the risk: record a review that lowers the current likelihood -------------------------------
    page.get_by_test_id("risks-table").get_by_role("link", name="Ransomware encrypts file shares").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ransomware encrypts file shares")
    form = page.get_by_test_id("review-form")
    lower = journey.matrix.likelihood_scale[TO_CELL[0]]["label"]
    form.get_by_label("Current likelihood").select_option(label=f"{TO_CELL[0] + 1} · {lower}")
    form.get_by_label("Notes").fill(REVIEW_NOTES)
    save_page(page, shots / "risk-journey-3-review-form.png")
    form.get_by_role("button", name="Record review").click()
    expect(page.get_by_text(re.compile(r"Review of R-001 recorded; next review"))).to_be_visible()
    expect(page.get_by_test_id("risk-reviews")).to_contain_text(REVIEW_NOTES)
    save_page(page, shots / "risk-journey-4-reviewed.png")

    risk = Risk.objects.get(pk=journey.ransomware.pk)
    assert (risk.current_likelihood, risk.current_impact) == TO_CELL
    review = RiskAssessment.objects.get(risk=risk)
    assert review.reviewed_by == journey.officer
    assert review.before["current"] == list(FROM_CELL)
    assert review.after["current"] == list(TO_CELL)

    # --- the heat map again: the risk has moved cells; the inherent grid has not changed ------------
    open_heat_map(page)
    expect(count_in(page, "current", FROM_CELL)).to_have_text("1")
    expect(count_in(page, "current", TO_CELL)).to_have_text("2")
    assert inherent_counts(page) == inherent_before
    save_page(page, shots / "risk-journey-5-heat-map-after.png")
