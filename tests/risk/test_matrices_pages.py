"""The risk matrix pages: who may read and manage them, and what a security officer does there."""

import pytest
from django.urls import reverse

from dpms.models import AuditEvent
from risk.forms.matrices import matrix_initial
from risk.models import Risk, RiskMatrix
from risk.queries.matrices import NIST, THREE, preset
from tests.risk.factories import RiskFactory, RiskMatrixFactory

pytestmark = pytest.mark.django_db

READ_PAGES = [("risk:matrices", False), ("risk:matrix", True)]
MANAGE_PAGES = [("risk:matrix_create", False), ("risk:matrix_edit", True), ("risk:matrix_activate", True)]


@pytest.fixture
def nist():
    return RiskMatrix.objects.create(preset=NIST, is_active=True, **preset(NIST))


@pytest.fixture
def three():
    return RiskMatrix.objects.create(preset=THREE, **preset(THREE))


def url(name, with_pk, matrix):
    return reverse(name, args=[matrix.pk] if with_pk else [])


@pytest.mark.parametrize(("name", "with_pk"), READ_PAGES + MANAGE_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, three, name, with_pk):
    response = client.get(url(name, with_pk, three))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("persona", ["staff", "manager", "outsider"])
@pytest.mark.parametrize(("name", "with_pk"), READ_PAGES + MANAGE_PAGES)
def test_staff_and_managers_may_not_open_the_matrices(client_for, personas, three, persona, name, with_pk):
    assert client_for(personas[persona]).get(url(name, with_pk, three)).status_code == 403


@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_auditors_and_admins_read_but_change_nothing(client_for, personas, nist, three, persona):
    client = client_for(personas[persona])
    for name, with_pk in READ_PAGES:
        page = client.get(url(name, with_pk, three))
        assert page.status_code == 200
        assert page.context["may_manage"] is False
        assert reverse("risk:matrix_edit", args=[three.pk]) not in page.content.decode()
    for name, with_pk in MANAGE_PAGES:
        assert client.get(url(name, with_pk, three)).status_code == 403
    assert client.post(reverse("risk:matrix_activate", args=[three.pk]), {"confirm": "on"}).status_code == 403
    assert RiskMatrix.objects.active() == nist


def test_security_officers_open_every_page(client_for, security_officer, nist, three):
    client = client_for(security_officer)
    for name, with_pk in READ_PAGES + MANAGE_PAGES:
        assert client.get(url(name, with_pk, three)).status_code == 200, name


def test_a_missing_matrix_is_404(client_for, security_officer):
    assert client_for(security_officer).get(reverse("risk:matrix", args=[999999])).status_code == 404


def test_the_detail_draws_the_grid_with_labels_colours_and_appetite(client_for, auditor, nist):
    page = client_for(auditor).get(reverse("risk:matrix", args=[nist.pk]))
    html = page.content.decode()
    # Row "Very High" likelihood, column "Very Low" impact is "Very Low" (Table I-2); Very High × Very High.
    assert 'data-testid="cell-4-0" data-level="Very Low"' in html
    assert 'data-testid="cell-4-4" data-level="Very High"' in html
    assert 'fill="#b71c1c"' in html
    assert "Appetite: highest acceptable" in html
    assert "style=" not in html  # strict CSP: colours are SVG fill attributes, never style attributes


def test_the_list_shows_a_preview_of_each_grid_and_the_active_badge(client_for, auditor, nist, three):
    html = client_for(auditor).get(reverse("risk:matrices")).content.decode()
    assert f'data-testid="matrix-mini-{nist.pk}"' in html
    assert f'data-testid="matrix-mini-{three.pk}"' in html
    assert html.count('data-testid="active-badge"') == 1
    assert "style=" not in html


def test_the_list_filters_and_sorts(client_for, auditor, nist, three):
    client = client_for(auditor)
    listed = client.get(reverse("risk:matrices"), {"status": "active"}).context["page"].object_list
    assert list(listed) == [nist]
    listed = client.get(reverse("risk:matrices"), {"q": "3×3"}).context["page"].object_list
    assert list(listed) == [three]
    listed = client.get(reverse("risk:matrices"), {"sort": "-name"}).context["page"].object_list
    assert [matrix.name for matrix in listed] == sorted([nist.name, three.name], reverse=True)


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_runs_the_same_queries_whatever_the_number_of_matrices(
    client_for, auditor, count, django_assert_num_queries
):
    RiskMatrix.objects.bulk_create(
        [RiskMatrix(**{**preset(THREE), "name": f"Matrix {n:03d}"}) for n in range(count)]
    )
    client = client_for(auditor)
    # 15 queries: session, user and user-session tracking with its savepoints (8); the viewer's groups (1);
    # the page's count and rows, each matrix with its risk count (2); the header's unread count (1); saving
    # the sliding session: savepoint, update, release (3). Nothing per matrix.
    with django_assert_num_queries(15):
        assert client.get(reverse("risk:matrices")).status_code == 200


def test_a_security_officer_creates_a_matrix_from_the_form(client_for, security_officer, three):
    data = {**matrix_initial(three), "name": "Our 3×3"}
    response = client_for(security_officer).post(reverse("risk:matrix_create"), data)
    created = RiskMatrix.objects.get(name="Our 3×3")
    assert response.status_code == 302
    assert response["Location"] == reverse("risk:matrix", args=[created.pk])
    assert created.cells == three.cells
    assert not created.is_active
    assert AuditEvent.objects.filter(action="risk.matrix.create", object_id=str(created.pk)).exists()


def test_an_invalid_matrix_is_refused_with_its_message_and_nothing_saved(client_for, security_officer, three):
    data = {**matrix_initial(three), "name": "Broken", "cells": "Medium | High | High\nLow | Medium | Low\n"}
    response = client_for(security_officer).post(reverse("risk:matrix_create"), data)
    assert response.status_code == 400
    assert "The grid needs one row per likelihood (3), not 2." in response.content.decode()
    assert not RiskMatrix.objects.filter(name="Broken").exists()


def test_a_new_matrix_can_start_from_a_copy(client_for, security_officer, nist):
    page = client_for(security_officer).get(reverse("risk:matrix_create"), {"from": nist.pk})
    assert page.context["form"].initial["name"] == f"{nist.name} (copy)"
    assert (
        page.context["form"].initial["cells"].splitlines()[0]
        == "Very Low | Low | Moderate | High | Very High"
    )


def test_editing_a_matrix_in_use_keeps_its_sizes(client_for, security_officer, nist, three):
    RiskFactory(matrix=nist)
    data = {**matrix_initial(three), "name": nist.name}
    response = client_for(security_officer).post(reverse("risk:matrix_edit", args=[nist.pk]), data)
    assert response.status_code == 400
    assert "scored on this matrix, so its scales keep 5 likelihoods" in response.content.decode()
    nist.refresh_from_db()
    assert nist.cells == preset(NIST)["cells"]


def test_editing_the_appetite_is_saved_and_audited(client_for, security_officer, nist):
    data = {**matrix_initial(nist), "appetite": "Low"}
    response = client_for(security_officer).post(reverse("risk:matrix_edit", args=[nist.pk]), data)
    assert response.status_code == 302
    nist.refresh_from_db()
    assert nist.appetite == 1
    event = AuditEvent.objects.get(action="risk.matrix.update", object_id=str(nist.pk))
    assert event.changes["appetite"] == [2, 1]


@pytest.mark.parametrize("count", [10, 200])
def test_the_activation_preview_writes_nothing_in_a_fixed_number_of_queries(
    client_for, security_officer, nist, three, count, django_assert_num_queries
):
    Risk.objects.bulk_create([RiskFactory.build(matrix=nist, owner=security_officer) for _ in range(count)])
    client = client_for(security_officer)
    # 16 queries: session, user, user-session tracking and groups as on the list (9); the matrix with its risk
    # count (1); the matrices and the risks of the preview (2); the unread count (1); saving the session (3).
    with django_assert_num_queries(16):
        page = client.get(reverse("risk:matrix_activate", args=[three.pk]))
    assert page.status_code == 200
    assert page.context["preview"]["counts"]["risks"] == count
    assert RiskMatrix.objects.active() == nist
    assert not Risk.objects.filter(matrix=three).exists()


def test_activation_needs_the_confirmation(client_for, security_officer, nist, three):
    RiskFactory(matrix=nist)
    response = client_for(security_officer).post(reverse("risk:matrix_activate", args=[three.pk]), {})
    assert response.status_code == 400
    assert RiskMatrix.objects.active() == nist


def test_a_confirmed_activation_remaps_and_switches(client_for, security_officer, nist, three):
    risk = RiskFactory(matrix=nist, current_likelihood=4, current_impact=4)
    response = client_for(security_officer).post(
        reverse("risk:matrix_activate", args=[three.pk]), {"confirm": "on"}
    )
    assert response.status_code == 302
    assert RiskMatrix.objects.active() == three
    risk.refresh_from_db()
    assert (risk.matrix_id, risk.current_likelihood, risk.current_impact) == (three.pk, 2, 2)


def test_a_factory_matrix_shows_on_the_list(client_for, security_officer):
    matrix = RiskMatrixFactory(is_active=True)
    assert client_for(security_officer).get(reverse("risk:matrix", args=[matrix.pk])).status_code == 200


def test_the_matrices_link_shows_for_readers_only(client_for, auditor, staff, nist):
    url = reverse("risk:matrices")
    assert url in client_for(auditor).get(reverse("risk:heatmap")).content.decode()
    assert url not in client_for(staff).get(reverse("risk:heatmap")).content.decode()
