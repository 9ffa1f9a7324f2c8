"""The heat map page: who may open it, cell links to the register, level colours, no inline styles, and a
query count that does not grow with the register."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from risk.models import Risk
from risk.queries.heatmap import text_colour
from tests.risk.factories import RiskFactory, RiskMatrixFactory
from tests.risk.test_heatmap_counts import svg_cells

pytestmark = pytest.mark.django_db

HEATMAP = reverse("risk:heatmap")


@pytest.fixture
def matrix(db):
    return RiskMatrixFactory(is_active=True)


def test_anonymous_is_sent_to_sign_in(client, matrix):
    response = client.get(HEATMAP)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["staff", "manager", "security_officer", "auditor", "admin", "outsider"])
def test_every_signed_in_person_may_open_it(client_for, personas, matrix, persona):
    response = client_for(personas[persona]).get(HEATMAP)
    assert response.status_code == 200
    assert len(svg_cells(response, "inherent")) == len(svg_cells(response, "current")) == 25


def test_without_an_active_matrix_the_page_says_so(client_for, staff):
    response = client_for(staff).get(HEATMAP)
    assert response.status_code == 200
    assert b'data-testid="no-active-matrix"' in response.content


def test_each_cell_links_to_the_register_filtered_to_it(client_for, security_officer, matrix):
    response = client_for(security_officer).get(HEATMAP)
    register = reverse("risk:register")
    for kind in ("inherent", "current"):
        for (likelihood, impact), cell in svg_cells(response, kind).items():
            url = urlsplit(cell["href"])
            assert url.path == register
            assert parse_qs(url.query) == {
                "kind": [kind],
                "likelihood": [str(likelihood)],
                "impact": [str(impact)],
                "status": ["live"],  # the statuses the cell counts: open and accepted
            }


def test_a_cells_register_lists_exactly_the_risks_it_counts(client_for, security_officer, matrix):
    """Draft and closed risks are not counted by default, so the cell's register leaves them out too."""
    from risk.choices import RiskStatus
    from tests.risk.factories import RiskFactory

    for status in (RiskStatus.OPEN, RiskStatus.ACCEPTED, RiskStatus.DRAFT, RiskStatus.CLOSED):
        RiskFactory(status=status, current_likelihood=4, current_impact=4, matrix=matrix)
    client = client_for(security_officer)
    cell = svg_cells(client.get(HEATMAP), "current")[(4, 4)]
    listed = client.get(cell["href"]).context["page"].paginator.count
    assert listed == 2


def test_cells_are_filled_with_their_levels_colour_and_text_stays_readable(client_for, staff, matrix):
    matrix.levels[4]["colour"] = "#FFEB3B"  # a light colour: dark text on it
    matrix.save()
    response = client_for(staff).get(HEATMAP)
    for kind in ("inherent", "current"):
        for (likelihood, impact), cell in svg_cells(response, kind).items():
            level = matrix.levels[matrix.cells[likelihood][impact]]
            assert cell["fill"] == level["colour"].lower()
    assert text_colour("#ffeb3b") == "#000000"
    assert text_colour("#c62828") == "#ffffff"
    assert text_colour("#2e7d32") == "#ffffff"


def test_a_colour_that_is_not_a_hex_colour_never_reaches_the_page(client_for, staff, matrix):
    matrix.levels[0]["colour"] = '"><script>alert(1)</script>'
    matrix.save()
    response = client_for(staff).get(HEATMAP)
    assert svg_cells(response, "current")[0, 0]["fill"] == "#9e9e9e"
    assert b"<script>alert" not in response.content


def test_cells_above_appetite_are_marked_and_the_appetite_line_drawn(client_for, staff, matrix):
    response = client_for(staff).get(HEATMAP)
    html = response.content.decode()
    above = sum(1 for row in matrix.cells for level in row if level > matrix.appetite)
    assert html.count('class="heatmap-marker"') == 2 * above
    assert 'class="heatmap-appetite"' in html
    assert "Risk appetite: up to <strong>Moderate</strong>" in html


def test_axes_put_the_highest_likelihood_at_the_top_and_the_lowest_impact_left(client_for, staff, matrix):
    response = client_for(staff).get(HEATMAP)
    cells = svg_cells(response, "inherent")
    assert cells[4, 0]["y"] < cells[3, 0]["y"] < cells[0, 0]["y"]
    assert cells[0, 0]["x"] < cells[0, 1]["x"] < cells[0, 4]["x"]
    html = response.content.decode()
    assert html.index(">Very high<title>Very high</title>") < html.index(">Very low<title>Very low</title>")


def test_the_page_has_no_inline_styles_or_scripts(client_for, security_officer, matrix):
    RiskFactory()
    html = client_for(security_officer).get(HEATMAP, {"status": "all"}).content.decode()
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)
    assert not re.search(r"<style", html, re.IGNORECASE)
    assert not re.search(r"<script(?![^>]*\ssrc=)", html, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)


def _bulk_risks(matrix, owner, n):
    Risk.objects.bulk_create(
        Risk(
            reference=f"R-B{i:05d}",
            title=f"Bulk risk {i}",
            owner=owner,
            matrix=matrix,
            inherent_likelihood=i % 5,
            inherent_impact=(i // 5) % 5,
            current_likelihood=(i // 3) % 5,
            current_impact=i % 4,
            status="open",
        )
        for i in range(n)
    )


# The session and the user (2), django-allauth's user session bookkeeping (5, with savepoints), the active
# matrix, the viewer's groups (roles), one GROUP BY per grid (2), the unread notifications count, the session
# save (3, with savepoints). Staff add nothing: what they may see is a subquery of the same GROUP BY.
HEATMAP_QUERIES = 15


@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize("viewer", ["security_officer", "staff"])
def test_the_query_count_does_not_grow_with_the_register(
    client_for, personas, matrix, django_assert_num_queries, viewer, size
):
    user = personas[viewer]
    _bulk_risks(matrix, user, size)
    client = client_for(user)
    client.get(HEATMAP)  # warms what is cached for the process (content types)
    with django_assert_num_queries(HEATMAP_QUERIES):
        response = client.get(HEATMAP)
    assert sum(cell["count"] for cell in svg_cells(response, "current").values()) == size


def test_following_a_cell_lists_the_risks_it_counts(client_for, staff, matrix):
    RiskFactory.create_batch(2, owner=staff, inherent_likelihood=4, inherent_impact=3)
    RiskFactory(owner=staff, inherent_likelihood=4, inherent_impact=4)
    RiskFactory(inherent_likelihood=4, inherent_impact=3)  # someone else's: neither counted nor listed
    client = client_for(staff)
    cell = svg_cells(client.get(HEATMAP), "inherent")[4, 3]
    listed = client.get(cell["href"]).context["page"].object_list
    assert cell["count"] == len(listed) == 2
    assert {(risk.inherent_likelihood, risk.inherent_impact) for risk in listed} == {(4, 3)}
