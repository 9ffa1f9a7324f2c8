"""Risk matrices through the API, read only: who reads them (as the matrices pages), the list filtered by
the page's form, a matrix's scales and cells, and the list's query count."""

import pytest
from django.urls import reverse

from risk.models import RiskMatrix
from tests.dpms.api_support import api_client, token_for
from tests.risk.factories import RiskFactory, RiskMatrixFactory

pytestmark = pytest.mark.django_db

MATRICES = reverse("api:risk-matrix-list")


def reader(user):
    return api_client(token_for(user)[1])


@pytest.mark.parametrize("persona", ["staff", "manager", "security_officer", "auditor", "admin", "outsider"])
def test_who_reads_matrices_is_who_reads_the_pages(personas, persona, client_for):
    matrix = RiskMatrixFactory(is_active=True)
    person = personas[persona]
    page = client_for(person)
    assert reader(person).get(MATRICES).status_code == page.get(reverse("risk:matrices")).status_code
    shown = page.get(reverse("risk:matrix", args=[matrix.pk])).status_code
    assert reader(person).get(reverse("api:risk-matrix-detail", args=[matrix.pk])).status_code == shown
    assert shown == (200 if persona in ("security_officer", "auditor", "admin") else 403)


def test_a_matrix_carries_its_scales_levels_cells_and_risk_count(auditor):
    matrix = RiskMatrixFactory(is_active=True, name="Five")
    RiskFactory.create_batch(2, matrix=matrix)
    response = reader(auditor).get(reverse("api:risk-matrix-detail", args=[matrix.pk]))
    body = response.json()
    assert body["cells"] == matrix.cells
    assert [level["name"] for level in body["levels"]][-1] == "Very high"
    assert (body["appetite"], body["is_active"], body["risk_count"]) == (2, True, 2)
    assert response["ETag"]
    assert (
        reader(auditor).get(reverse("api:risk-matrix-detail", args=[99999999999999999999])).status_code == 404
    )


def test_the_list_is_filtered_like_the_page(auditor):
    active = RiskMatrixFactory(is_active=True, name="Alpha")
    other = RiskMatrixFactory(name="Beta", description="Three by three")
    client = reader(auditor)
    assert [row["id"] for row in client.get(MATRICES).json()["results"]] == [active.pk, other.pk]
    assert [row["id"] for row in client.get(MATRICES, {"status": "inactive"}).json()["results"]] == [other.pk]
    assert [row["id"] for row in client.get(MATRICES, {"q": "three"}).json()["results"]] == [other.pk]
    assert client.get(MATRICES, {"status": "sleeping"}).status_code == 400


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_list_runs_a_fixed_number_of_queries(security_officer, rows, django_assert_num_queries):
    RiskMatrix.objects.bulk_create(RiskMatrixFactory.build(name=f"Matrix {n:04d}") for n in range(rows))
    client = reader(security_officer)
    client.get(MATRICES)
    # token with its owner (1), the caller's roles (1), a page of matrices with their risk counts (1)
    with django_assert_num_queries(3):
        assert len(client.get(MATRICES, {"page_size": 200}).json()["results"]) == min(rows, 200)
