"""The register list: filters (incl. the heat map's cell and the level), sorting, CSV, fixed query counts."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from risk.models import Risk
from risk.queries import register as queries
from tests.access.factories import SystemFactory
from tests.factories import UserFactory
from tests.plans import index_order_plan
from tests.risk.factories import RiskCategoryFactory, RiskFactory, RiskMatrixFactory
from tests.risk.register_support import cast_fixture, matrix_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

REGISTER = reverse("risk:register")
CSV_URL = reverse("risk:register_csv")


@pytest.fixture
def officer(client_for, security_officer):
    return client_for(security_officer)


def listed(client, **params):
    response = client.get(REGISTER, params)
    assert response.status_code == 200
    return [risk.pk for risk in response.context["page"].object_list]


def test_the_heat_map_cell_filter_selects_current_or_inherent_scores(officer, cast):
    assert listed(officer, likelihood=4, impact=4, kind="current") == [cast.outsider_risk.pk]
    # Every risk of the cast has the factory's inherent score (3, 3).
    assert len(listed(officer, likelihood=3, impact=3, kind="inherent")) == 3
    assert listed(officer, likelihood=3, impact=3, kind="current") == []
    page = officer.get(REGISTER, {"likelihood": 4, "impact": 4}).content.decode()
    assert "Current score: likelihood Very high, impact Very high" in page


def test_a_cell_off_the_matrix_is_a_form_error_not_a_crash(officer, cast):
    response = officer.get(REGISTER, {"likelihood": 7, "impact": 0})
    assert response.status_code == 200
    assert "That cell is not on the active matrix." in response.context["form"].non_field_errors()
    assert officer.get(CSV_URL, {"likelihood": 1}).status_code == 400


def test_the_level_filter_uses_every_cell_of_that_level(officer, matrix, cast):
    moderate = RiskFactory(matrix=matrix, current_likelihood=0, current_impact=4)  # (0 + 4) // 2 = 2
    assert set(listed(officer, level=2)) == {cast.manager_risk.pk, moderate.pk}
    assert listed(officer, level=4) == [cast.outsider_risk.pk]
    assert listed(officer, level=0) == []


def test_filters_by_owner_category_status_system_and_overdue(officer, matrix, cast, staff):
    crm = SystemFactory(name="CRM")
    cast.manager_risk.systems.add(crm)
    supplier = RiskCategoryFactory(name="Supplier")
    Risk.objects.filter(pk=cast.outsider_risk.pk).update(
        category=supplier, next_review_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    Risk.objects.filter(pk=cast.staff_risk.pk).update(status="draft")
    assert listed(officer, owner=staff.pk) == [cast.staff_risk.pk]
    assert listed(officer, category=supplier.pk) == [cast.outsider_risk.pk]
    assert listed(officer, status="draft") == [cast.staff_risk.pk]
    assert listed(officer, system=crm.pk) == [cast.manager_risk.pk]
    assert listed(officer, overdue="on") == [cast.outsider_risk.pk]


def test_sorting_by_level_title_and_reference(officer, matrix, cast):
    by_level = listed(officer, sort="-level")
    assert by_level == [cast.outsider_risk.pk, cast.manager_risk.pk, cast.staff_risk.pk]
    assert listed(officer, sort="level") == by_level[::-1]
    titles = [Risk.objects.get(pk=pk).title for pk in listed(officer, sort="title")]
    assert titles == sorted(titles)


def test_references_sort_by_number_past_999(officer, matrix):
    for reference in ("R-1000", "R-101", "R-099"):
        RiskFactory(matrix=matrix, reference=reference)
    references = [Risk.objects.get(pk=pk).reference for pk in listed(officer, sort="reference")]
    assert references == ["R-099", "R-101", "R-1000"]


def test_staff_see_only_their_risks_whatever_the_filter(client_for, staff, cast):
    assert listed(client_for(staff), likelihood=4, impact=4) == []


def test_csv_export_follows_the_filters_and_neutralises_formulas(officer, matrix, cast):
    Risk.objects.filter(pk=cast.outsider_risk.pk).update(title="=HYPERLINK(1)")
    cast.outsider_risk.systems.add(SystemFactory(name="ERP"), SystemFactory(name="CRM"))
    response = officer.get(CSV_URL, {"level": 4})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["reference"] == cast.outsider_risk.reference
    assert row["title"] == "'=HYPERLINK(1)"
    assert row["current_level"] == "Very high"
    assert row["current_likelihood"] == "Very high"
    assert row["systems"] == "CRM; ERP"
    assert row["review_interval_days"] == "90"


def make_risks(matrix, count):
    owners = UserFactory.create_batch(5)
    Risk.objects.bulk_create(
        Risk(
            reference=f"R-{n:04d}",
            title=f"Risk {n}",
            owner=owners[n % 5],
            matrix=matrix,
            inherent_likelihood=n % 5,
            inherent_impact=(n // 5) % 5,
            current_likelihood=n % 5,
            current_impact=(n // 7) % 5,
            status="open",
            next_review_on=timezone.localdate(),
        )
        for n in range(count)
    )
    system = SystemFactory()
    system.risks.add(*Risk.objects.all()[:60])


@pytest.mark.parametrize("sort", ["-level", "", "owner"])
@pytest.mark.parametrize("count", [10, 1000])
def test_register_query_count_does_not_grow(officer, matrix, count, sort, django_assert_num_queries):
    make_risks(matrix, count)
    officer.get(REGISTER)  # a session's first request also records it (allauth usersessions)
    # 18 queries: session and user (2); allauth's user-session tracking (5); the active matrix (1); the
    # viewer's groups (1); the page's count (1); the page's ids, sorted (1); those rows with owner and
    # category (1; their matrix is the active one, already read); the page's systems (1); the header's unread
    # count (1); the filter form's categories (1; owners and systems are typed, not listed); saving the
    # sliding session: savepoint, update, release (3). Nothing per row.
    with django_assert_num_queries(18):
        response = officer.get(REGISTER, {"sort": sort})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == count


def test_a_risk_on_another_matrix_than_the_active_one_shows_its_own_level(officer, matrix):
    """Activation moves every risk to the new matrix; should one be left on another (an admin edit), its row
    reads that matrix (one more query) rather than showing a level of the wrong matrix."""
    other = RiskMatrixFactory(levels=[{**level, "name": f"Other {level['name']}"} for level in matrix.levels])
    on_active = RiskFactory(current_likelihood=0, current_impact=0)
    on_other = RiskFactory(matrix=other, current_likelihood=4, current_impact=4)
    page = officer.get(REGISTER).content.decode()
    rows = {risk.pk: risk for risk in officer.get(REGISTER).context["page"].object_list}
    assert rows[on_active.pk].level["name"] == matrix.levels[0]["name"]
    assert rows[on_other.pk].level["name"] == "Other " + matrix.levels[4]["name"]
    assert "Other " + matrix.levels[4]["name"] in page


@pytest.mark.postgres
def test_the_default_order_is_read_from_its_index_not_sorted(requires_postgres, security_officer, matrix):
    make_risks(matrix, 300)
    risks = queries.filter_risks(queries.risks_for_page(security_officer, matrix), matrix=matrix)
    plan = index_order_plan(risks, "risk_risk")
    assert "risk_register_reference_order" in plan
    assert "Sort" not in plan


def test_the_owner_and_system_filters_are_typed_and_only_find_owners_the_viewer_may_see(
    client_for, matrix, staff, manager
):
    mine = RiskFactory(owner=staff, title="Mine")
    RiskFactory(owner=manager, title="Not shared with me")
    client = client_for(staff)
    page = client.get(REGISTER, {"owner": staff.email})
    assert [risk.pk for risk in page.context["page"].object_list] == [mine.pk]
    hidden = client.get(REGISTER, {"owner": manager.email})
    assert "Nothing matches this" in hidden.content.decode()  # another owner's name is not confirmed
    assert hidden.context["page"].paginator.count == 0
