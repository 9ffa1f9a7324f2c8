"""The heat map through the API: the counts per cell of the risks each person may see, live or all."""

import pytest
from django.urls import reverse

from risk.models import Risk, RiskMatrix
from tests.dpms.api_support import api_client, token_for
from tests.risk.register_support import cast_fixture, matrix_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

HEATMAP = reverse("api:risk-heatmap-list")


def counts(response, kind="current"):
    assert response.status_code == 200, response.content
    grid = next(grid for grid in response.json()["grids"] if grid["kind"] == kind)
    return {(cell["likelihood"], cell["impact"]): cell["count"] for cell in grid["cells"] if cell["count"]}


def test_the_counts_cover_the_risks_each_person_sees(cast, staff, security_officer):
    assert counts(api_client(token_for(staff)[1]).get(HEATMAP)) == {(1, 1): 1}
    assert counts(api_client(token_for(security_officer)[1]).get(HEATMAP)) == {
        (1, 1): 1,
        (4, 4): 1,
        (3, 2): 1,
    }
    inherent = counts(api_client(token_for(security_officer)[1]).get(HEATMAP), "inherent")
    assert inherent == {(3, 3): 3}


def test_live_risks_by_default_every_status_on_request(cast, security_officer):
    Risk.objects.filter(pk=cast.manager_risk.pk).update(status="closed")
    client = api_client(token_for(security_officer)[1])
    assert counts(client.get(HEATMAP)) == {(1, 1): 1, (4, 4): 1}
    assert counts(client.get(HEATMAP, {"status": "all"})) == {(1, 1): 1, (4, 4): 1, (3, 2): 1}
    assert client.get(HEATMAP, {"status": "some"}).status_code == 400


def test_a_cell_says_its_level_and_whether_it_is_above_appetite(cast, staff):
    grid = api_client(token_for(staff)[1]).get(HEATMAP).json()["grids"][1]
    top_right = grid["cells"][4]  # highest likelihood first, lowest impact first: (4, 4) is the fifth
    assert (top_right["likelihood"], top_right["impact"]) == (4, 4)
    assert (top_right["level"], top_right["above_appetite"]) == ("Very high", True)


def test_without_an_active_matrix_it_is_a_404(db, staff):
    RiskMatrix.objects.update(is_active=False)
    assert api_client(token_for(staff)[1]).get(HEATMAP).status_code == 404


@pytest.mark.parametrize("rows", [10, 1000])
def test_it_runs_a_fixed_number_of_queries(matrix, security_officer, staff, rows, django_assert_num_queries):
    from tests.risk.test_register_api import make_risks

    make_risks(matrix, rows)
    for person in (security_officer, staff):
        client = api_client(token_for(person)[1])
        client.get(HEATMAP)
        # token with its owner (1), the active matrix (1), the caller's roles (1), one GROUP BY per grid (2)
        with django_assert_num_queries(5):
            assert client.get(HEATMAP).status_code == 200
