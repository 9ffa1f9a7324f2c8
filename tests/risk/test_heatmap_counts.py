"""The heat map counts the risks the viewer may see, per cell, for the inherent and the current scores."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from risk.choices import RiskStatus
from tests.risk.factories import RiskFactory, RiskMatrixFactory

pytestmark = pytest.mark.django_db

HEATMAP = reverse("risk:heatmap")
SVG = "{http://www.w3.org/2000/svg}"


def svg_cells(response, kind):
    """The SVG grid of ``kind``: {(likelihood, impact): {"count", "href", "fill", "label", "x", "y"}}."""
    html = response.content.decode()
    match = re.search(rf'<svg class="heatmap"[^>]*data-testid="heatmap-{kind}"[\s\S]*?</svg>', html)
    assert match, f"no {kind} grid on the page"
    svg = ET.fromstring(match.group(0))  # noqa: S314 - our own page, in a test
    cells = {}
    for link in svg.iter(f"{SVG}a"):
        _, _, likelihood, impact = link.get("data-testid").split("-")
        rect = link.find(f"{SVG}rect")
        cells[int(likelihood), int(impact)] = {
            "count": int(link.find(f"{SVG}text").text),
            "href": link.get("href"),
            "fill": rect.get("fill"),
            "label": link.get("aria-label"),
            "x": int(rect.get("x")),
            "y": int(rect.get("y")),
        }
    return cells


def counts(response, kind):
    return {cell: data["count"] for cell, data in svg_cells(response, kind).items() if data["count"]}


@pytest.fixture
def matrix(db):
    return RiskMatrixFactory(is_active=True)


@pytest.fixture
def risks(matrix, staff, outsider):
    """Three of staff's risks in one cell, the outsider's open and accepted ones, a draft and a closed one."""
    mine = RiskFactory.create_batch(
        3, owner=staff, inherent_likelihood=4, inherent_impact=3, current_likelihood=2, current_impact=1
    )
    theirs = RiskFactory(
        owner=outsider, inherent_likelihood=4, inherent_impact=4, current_likelihood=0, current_impact=1
    )
    accepted = RiskFactory(
        owner=outsider,
        status=RiskStatus.ACCEPTED,
        inherent_likelihood=1,
        inherent_impact=0,
        current_likelihood=1,
        current_impact=0,
    )
    for status in (RiskStatus.DRAFT, RiskStatus.CLOSED):
        RiskFactory(owner=staff, status=status, inherent_likelihood=3, inherent_impact=3)
    return {"mine": mine, "theirs": theirs, "accepted": accepted}


def test_officer_sees_counts_of_every_open_and_accepted_risk(client_for, security_officer, risks):
    response = client_for(security_officer).get(HEATMAP)
    assert response.status_code == 200
    assert counts(response, "inherent") == {(4, 3): 3, (4, 4): 1, (1, 0): 1}
    assert counts(response, "current") == {(2, 1): 3, (0, 1): 1, (1, 0): 1}


def test_auditor_sees_the_same_counts_as_an_officer(client_for, auditor, risks):
    response = client_for(auditor).get(HEATMAP)
    assert counts(response, "inherent") == {(4, 3): 3, (4, 4): 1, (1, 0): 1}


def test_staff_sees_counts_of_only_their_own_risks(client_for, staff, risks):
    response = client_for(staff).get(HEATMAP)
    assert counts(response, "inherent") == {(4, 3): 3}
    assert counts(response, "current") == {(2, 1): 3}


def test_a_risk_shared_with_staff_is_counted_for_them(client_for, staff, risks):
    assign_perm("risk.view_risk", staff, risks["theirs"])
    response = client_for(staff).get(HEATMAP)
    assert counts(response, "inherent") == {(4, 3): 3, (4, 4): 1}


def test_someone_without_risks_sees_an_empty_heat_map(client_for, second_report, risks):
    response = client_for(second_report).get(HEATMAP)
    assert response.status_code == 200
    cells = svg_cells(response, "current")
    assert len(cells) == 25
    assert all(cell["count"] == 0 for cell in cells.values())


def test_drafts_and_closed_risks_count_only_when_all_statuses_are_asked_for(client_for, staff, risks):
    client = client_for(staff)
    assert (3, 3) not in counts(client.get(HEATMAP), "inherent")
    assert counts(client.get(HEATMAP, {"status": "all"}), "inherent") == {(4, 3): 3, (3, 3): 2}


def test_a_lowered_current_score_moves_the_risk_to_its_new_cell(client_for, security_officer, risks):
    risk = risks["theirs"]
    risk.current_likelihood, risk.current_impact = 0, 0
    risk.save()
    response = client_for(security_officer).get(HEATMAP)
    assert counts(response, "current") == {(2, 1): 3, (0, 0): 1, (1, 0): 1}
    assert counts(response, "inherent")[(4, 4)] == 1


def test_cell_labels_name_the_scales_the_count_and_the_level(client_for, security_officer, risks):
    cells = svg_cells(client_for(security_officer).get(HEATMAP), "inherent")
    assert cells[4, 3]["label"] == "Likelihood Very high, impact High: 3 risks (level High, above appetite)"
    assert cells[1, 0]["label"] == "Likelihood Low, impact Very low: 1 risk (level Very low)"
