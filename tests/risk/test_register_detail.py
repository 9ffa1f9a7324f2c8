"""A risk's page: scores with their levels, linked systems, the trend chart, sections and query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dpms import portal
from dpms.models import AuditEvent
from risk.models import Risk, RiskAssessment
from risk.views import register as register_views
from tests.access.factories import SystemFactory
from tests.dashboard_support import dashboard_html
from tests.risk.factories import RiskFactory
from tests.risk.register_support import cast_fixture, matrix_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client_for, security_officer):
    return client_for(security_officer)


def detail(client, risk):
    response = client.get(reverse("risk:risk", args=[risk.pk]))
    assert response.status_code == 200
    return response


def test_the_page_shows_scores_with_levels_and_colours_without_inline_styles(officer, cast):
    page = detail(officer, cast.outsider_risk).content.decode()
    assert "Very high" in page
    assert 'fill="#c62828"' in page  # the level's colour as an SVG attribute
    assert "Above appetite" in page
    assert "style=" not in page


def test_linked_systems_link_to_the_access_register(officer, cast):
    crm = SystemFactory(name="CRM")
    cast.staff_risk.systems.add(crm)
    assert reverse("access:system", args=[crm.pk]) in detail(officer, cast.staff_risk).content.decode()


def test_the_trend_chart_plots_each_review_and_the_inherent_level(officer, matrix, cast):
    risk = cast.outsider_risk
    start = timezone.now() - datetime.timedelta(days=200)
    for days, level in ((0, 4), (100, 3)):
        RiskAssessment.objects.create(
            risk=risk,
            reviewed_by=risk.owner,
            reviewed_at=start + datetime.timedelta(days=days),
            before={},
            after={},
            current_level_index=level,
            next_review_on=timezone.localdate(),
        )
    response = detail(officer, risk)
    trend = response.context["trend"]
    assert [point.level_name for point in trend["points"]] == ["Very high", "High", "Very high"]
    assert trend["points"][0].y > trend["points"][1].y - 100  # plotted inside the chart
    assert trend["inherent_name"] == "High"
    page = response.content.decode()
    assert 'data-testid="risk-trend"' in page
    assert 'data-testid="inherent-line"' in page


def test_a_link_point_for_incidents_is_on_the_page(officer, cast):
    response = detail(officer, cast.staff_risk)
    page = response.content.decode()
    assert 'id="materialised-incidents"' in page
    assert "No incident you may see names this risk." in page  # the incidents app's section


def test_the_security_officer_adds_a_risk_through_the_form(officer, matrix, staff):
    form = officer.get(reverse("risk:risk_create")).content.decode()
    assert "1. Very low" in form  # score selects offer the matrix's labels
    assert '<select name="owner"' not in form
    response = officer.post(
        reverse("risk:risk_create"),
        {
            "title": "Ransomware on file servers",
            "owner": staff.email.upper(),  # an email box, not a select of every person
            "treatment": "mitigate",
            "inherent_likelihood": 3,
            "inherent_impact": 4,
            "current_likelihood": 2,
            "current_impact": 4,
            "open_now": "on",
        },
    )
    risk = Risk.objects.get(title="Ransomware on file servers")
    assert response.status_code == 302
    assert response["Location"] == reverse("risk:risk", args=[risk.pk])
    assert (risk.owner, risk.status, risk.current_level["name"]) == (staff, "open", "High")
    assert risk.next_review_on == timezone.localdate() + datetime.timedelta(days=90)


def test_a_score_off_the_scale_is_a_form_error(officer, matrix, staff):
    response = officer.post(
        reverse("risk:risk_create"),
        {"title": "X", "owner": staff.pk, "treatment": "mitigate", "inherent_likelihood": 9},
    )
    assert response.status_code == 200
    assert "inherent_likelihood" in response.context["form"].errors
    assert "current_impact" in response.context["form"].errors
    assert not Risk.objects.exists()


def test_the_owner_shares_from_the_page(client_for, staff, second_report, cast):
    client = client_for(staff)
    url = reverse("risk:risk_share", args=[cast.staff_risk.pk])
    assert client.post(url, {"person": second_report.email, "can_edit": "on"}).status_code == 302
    shares = detail(client, cast.staff_risk).context["shares"]
    assert [(share["user"], share["can_edit"]) for share in shares] == [(second_report, True)]
    bad = client.post(url, {"person": "nobody@example.com"})
    assert bad.status_code == 400
    assert "No active person" in bad.content.decode()
    assert AuditEvent.objects.filter(action="risk.risk.share").count() == 1


def test_closing_a_closed_risk_is_refused_with_a_message(officer, cast):
    url = reverse("risk:risk_status", args=[cast.staff_risk.pk])
    officer.post(url, {"status": "closed"})
    response = officer.post(url, {"status": "closed"}, follow=True)
    assert "cannot become closed" in response.content.decode()
    assert officer.post(url, {"status": "accepted"}).status_code == 400


def test_the_dashboard_panel_lists_risks_above_appetite_for_security_officers(
    client_for, security_officer, staff, cast
):
    panel = dashboard_html(client_for(security_officer))
    assert "Risks above appetite" in panel
    assert cast.outsider_risk.reference in panel
    assert cast.manager_risk.reference not in panel  # Moderate: within the appetite
    assert "Risks above appetite" not in dashboard_html(client_for(staff))


def make_rows(matrix, risk, count):
    start = Risk.objects.count()
    Risk.objects.bulk_create(
        RiskFactory.build(matrix=matrix, owner=risk.owner, reference=f"R-B{start + n:05d}")
        for n in range(count)
    )
    risk.systems.add(*SystemFactory.create_batch(3))
    RiskAssessment.objects.bulk_create(
        RiskAssessment(
            risk=risk,
            reviewed_by=risk.owner,
            reviewed_at=timezone.now() - datetime.timedelta(days=n + 1),
            before={},
            after={},
            current_level_index=n % 5,
            next_review_on=timezone.localdate(),
        )
        for n in range(count // 10)
    )


@pytest.fixture
def own_sections_only(monkeypatch):
    """Pin this page's own queries; the other areas' sections pin theirs in their own tests."""
    monkeypatch.setattr(register_views, "RISK_SECTIONS", ())
    monkeypatch.setattr(portal, "sections_for", lambda slot: [])


@pytest.mark.parametrize("count", [10, 1000])
def test_detail_query_count_does_not_grow(
    officer, matrix, cast, count, own_sections_only, django_assert_num_queries
):
    risk = cast.outsider_risk
    make_rows(matrix, risk, count)
    url = reverse("risk:risk", args=[risk.pk])
    officer.get(url)
    # 16 queries: session and user (2); allauth's user-session tracking (5); the viewer's groups (1); the
    # risk with matrix, owner, category and creator (1); the trend's latest reviews (1); its shares (1); the
    # header's unread count (1); the systems with their owners (1); saving the sliding session (3).
    with django_assert_num_queries(16):
        assert officer.get(url).status_code == 200


def test_detail_with_every_section_runs_the_same_queries_at_10_and_1000(officer, matrix, cast):
    risk = cast.outsider_risk
    url = reverse("risk:risk", args=[risk.pk])
    make_rows(matrix, risk, 10)
    officer.get(url)
    with CaptureQueriesContext(connection) as small:
        assert officer.get(url).status_code == 200
    make_rows(matrix, risk, 990)
    with CaptureQueriesContext(connection) as large:
        assert officer.get(url).status_code == 200
    assert len(large) == len(small)


@pytest.mark.parametrize("count", [10, 1000])
def test_appetite_panel_runs_five_queries(
    rf, security_officer, matrix, cast, count, django_assert_num_queries
):
    make_rows(matrix, cast.outsider_risk, count)
    Risk.objects.update(current_likelihood=4, current_impact=4)
    request = rf.get("/")
    request.user = security_officer
    assert security_officer.is_security_officer  # groups read before counting
    # 5 queries: the active matrix, the count above appetite, the five highest; for the twelve months'
    # picture, the live risks' scores and the reviews since the first month.
    with django_assert_num_queries(5):
        panel = register_views.appetite_panel(request)
    assert len(panel["lines"]) == 5
    assert panel["count"] == count + 3


def test_the_appetite_panel_lists_the_highest_levels_first_then_by_reference(rf, security_officer, matrix):
    # The factories' matrix: level = (likelihood + impact) // 2, appetite "Moderate" (2): R-2 is very high,
    # high, R-4 moderate (within the appetite).
    scores = {"R-10": (3, 4), "R-2": (4, 4), "R-3": (3, 4), "R-1": (3, 3), "R-4": (2, 2)}
    for reference, (likelihood, impact) in scores.items():
        RiskFactory(reference=reference, current_likelihood=likelihood, current_impact=impact, status="open")
    request = rf.get("/")
    request.user = security_officer
    panel = register_views.appetite_panel(request)
    names = [level["name"] for level in matrix.levels]
    titles = dict(Risk.objects.values_list("reference", "title"))
    assert [line["text"].split(":")[0] for line in panel["lines"]] == [
        f"{reference} {titles[reference]}" for reference in ("R-2", "R-1", "R-3", "R-10")
    ]
    assert panel["lines"][0]["text"].endswith(f": {names[4]}")
    assert panel["lines"][-1]["text"].endswith(f": {names[3]}")
    assert panel["count"] == 4
