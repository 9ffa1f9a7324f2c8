"""Pages of periodic reviews: the review round, recording a review, and the dashboard panel."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from risk.choices import RiskStatus
from risk.models import Risk, RiskAssessment, RiskMatrix
from tests.dashboard_support import panel_of
from tests.risk.factories import RiskFactory, RiskMatrixFactory

pytestmark = pytest.mark.django_db
ROUND = reverse("risk:review_round")


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def matrix(db):
    """The factories' 5×5 (level = (likelihood + impact) // 2) active instead of the shipped preset."""
    RiskMatrix.objects.filter(is_active=True).update(is_active=False)
    return RiskMatrixFactory(name="Review test 5×5", is_active=True)


def references(response) -> list[str]:
    return [risk.reference for risk in response.context["page"].object_list]


# --- The review round ----------------------------------------------------------------------------------


def test_review_round_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(ROUND)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_review_round_is_refused_to_staff(client_for, staff):
    RiskFactory(owner=staff, next_review_on=timezone.localdate())
    assert client_for(staff).get(ROUND).status_code == 403


def test_auditors_read_the_review_round_without_a_record_link(client_for, auditor):
    risk = RiskFactory(next_review_on=timezone.localdate() + days(3))
    response = client_for(auditor).get(ROUND)
    assert response.status_code == 200
    assert references(response) == [risk.reference]
    assert reverse("risk:review_record", args=[risk.pk]) not in response.content.decode()


def test_security_officers_see_every_risk_due_in_the_next_30_days_and_the_overdue_ones(
    client_for, security_officer
):
    today = timezone.localdate()
    overdue = RiskFactory(next_review_on=today - days(3))
    soon = RiskFactory(next_review_on=today + days(5))
    last_day = RiskFactory(next_review_on=today + days(30))
    RiskFactory(next_review_on=today + days(31))
    RiskFactory(next_review_on=today + days(5), status=RiskStatus.CLOSED)
    RiskFactory(next_review_on=today + days(5), status=RiskStatus.DRAFT)
    response = client_for(security_officer).get(ROUND)
    assert response.status_code == 200
    assert references(response) == [overdue.reference, soon.reference, last_day.reference]
    assert response.context["counts"] == {"total": 3, "overdue": 1, "upcoming": 2}
    assert f"{reverse('risk:review_record', args=[soon.pk])}?next=" in response.content.decode()


def test_review_round_lists_only_the_chosen_period(client_for, security_officer):
    today = timezone.localdate()
    RiskFactory(next_review_on=today - days(3))
    inside = RiskFactory(next_review_on=today + days(60))
    RiskFactory(next_review_on=today + days(5))
    RiskFactory(next_review_on=today + days(91))
    start, end = today + days(45), today + days(90)
    response = client_for(security_officer).get(ROUND, {"start": start, "end": end, "overdue": "exclude"})
    assert references(response) == [inside.reference]


def test_a_period_that_ends_before_it_starts_is_a_form_error(client_for, security_officer):
    today = timezone.localdate()
    response = client_for(security_officer).get(ROUND, {"start": today, "end": today - days(1)})
    assert response.status_code == 200
    assert response.context["form"].errors["end"] == ["The end of the period is before its start."]
    assert references(response) == []


def many_due_risks(owners, count):
    """``count`` live risks due within the round's default period, a few overdue (one bulk insert)."""
    today, matrix = timezone.localdate(), RiskMatrix.objects.get(is_active=True)
    Risk.objects.bulk_create(
        Risk(
            reference=f"R-Q{n:05d}",
            title=f"Risk {n}",
            owner=owners[n % len(owners)],
            matrix=matrix,
            inherent_likelihood=3,
            inherent_impact=3,
            current_likelihood=n % 5,
            current_impact=2,
            status=RiskStatus.OPEN,
            next_review_on=today + days(n % 35 - 5),
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [10, 1000])
def test_review_round_query_count_does_not_grow_with_risks(
    client_for, security_officer, staff, manager, count, django_assert_num_queries
):
    many_due_risks([staff, manager], count)
    client = client_for(security_officer)
    client.get(ROUND)  # a session's first request also records it (usersessions)
    # 15 queries: session and user (2); allauth's user-session tracking (5); the user's groups (1); the page
    # count (1); the round's counts (1); the header's unread count (1); the page of risks with owner and
    # matrix (1); saving the sliding session: savepoint, update, release (3).
    with django_assert_num_queries(15):
        response = client.get(ROUND)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 50)


# --- Recording a review --------------------------------------------------------------------------------


def test_record_page_ladder(client, client_for, staff, outsider, auditor, security_officer):
    risk = RiskFactory(owner=staff)
    url = reverse("risk:review_record", args=[risk.pk])
    assert client.get(url).status_code == 302
    assert client_for(outsider).get(url).status_code == 404  # may not see it
    assert client_for(auditor).get(url).status_code == 403  # sees it, records nothing
    assert client_for(staff).get(url).status_code == 200
    assert client_for(security_officer).get(url).status_code == 200


def test_the_owner_records_a_review_that_lowers_the_score_and_returns_to_the_round(client_for, staff):
    risk = RiskFactory(owner=staff, current_likelihood=3, current_impact=3)
    url = reverse("risk:review_record", args=[risk.pk])
    data = {"current_likelihood": "1", "current_impact": "1", "notes": "Patched.", "next": ROUND}
    response = client_for(staff).post(url, data)
    assert response.status_code == 302
    assert response.url == ROUND
    risk.refresh_from_db()
    assert (risk.current_likelihood, risk.current_impact, risk.inherent_likelihood) == (1, 1, 3)
    assert risk.next_review_on == timezone.localdate() + days(365)
    assert RiskAssessment.objects.get(risk=risk).notes == "Patched."


def test_a_review_posted_from_the_risk_page_goes_back_to_the_risk(client_for, staff):
    risk = RiskFactory(owner=staff)
    url = reverse("risk:review_record", args=[risk.pk])
    response = client_for(staff).post(
        url, {"current_likelihood": "2", "current_impact": "1", "next": "https://evil.example/"}
    )
    assert response.url == reverse("risk:risk", args=[risk.pk])


def test_a_score_outside_the_matrix_is_a_form_error_and_nothing_is_saved(client_for, staff):
    risk = RiskFactory(owner=staff)
    url = reverse("risk:review_record", args=[risk.pk])
    response = client_for(staff).post(url, {"current_likelihood": "9", "current_impact": "1"})
    assert response.status_code == 400
    assert "current_likelihood" in response.context["form"].errors
    assert not RiskAssessment.objects.exists()


def test_auditors_cannot_post_a_review(client_for, auditor):
    risk = RiskFactory()
    url = reverse("risk:review_record", args=[risk.pk])
    assert (
        client_for(auditor).post(url, {"current_likelihood": "1", "current_impact": "1"}).status_code == 403
    )
    assert not RiskAssessment.objects.exists()


# --- Dashboard panel -----------------------------------------------------------------------------------


def review_panel(client):
    return panel_of(client, "risk-reviews")


def test_dashboard_shows_security_officers_due_and_overdue_counts_over_all_risks(
    client_for, security_officer
):
    today = timezone.localdate()
    RiskFactory(next_review_on=today - days(1))
    RiskFactory(next_review_on=today + days(14))
    RiskFactory(next_review_on=today + days(15))
    panel = review_panel(client_for(security_officer))
    assert (panel["overdue"], panel["due"]) == (1, 1)
    assert panel["link"] == ROUND


def test_dashboard_shows_owners_their_own_due_reviews_only(client_for, staff, outsider):
    today = timezone.localdate()
    own = RiskFactory(owner=staff, next_review_on=today + days(2))
    RiskFactory(owner=outsider, next_review_on=today - days(2))
    panel = review_panel(client_for(staff))
    assert (panel["overdue"], panel["due"]) == (0, 1)
    assert [line["link"] for line in panel["lines"]] == [reverse("risk:review_record", args=[own.pk])]


def test_dashboard_has_no_review_panel_for_someone_with_nothing_due(client_for, staff):
    RiskFactory(owner=staff, next_review_on=timezone.localdate() + days(100))
    assert review_panel(client_for(staff)) is None


# --- The reviews section of the risk page --------------------------------------------------------------


def test_risk_page_shows_the_latest_reviews_and_a_review_form_to_the_owner(client_for, staff):
    risk = RiskFactory(owner=staff, current_likelihood=3, current_impact=3)
    client = client_for(staff)
    client.post(
        reverse("risk:review_record", args=[risk.pk]),
        {"current_likelihood": "1", "current_impact": "1", "notes": "Segmented the network."},
    )
    page = client.get(reverse("risk:risk", args=[risk.pk])).content.decode()
    assert 'data-testid="review-form"' in page
    assert "Segmented the network." in page
    assert "4×4 → 2×2" in page  # current scores before → after, 1-based as on the matrix


def test_risk_page_has_no_review_form_for_auditors(client_for, auditor):
    risk = RiskFactory()
    page = client_for(auditor).get(reverse("risk:risk", args=[risk.pk])).content.decode()
    assert 'data-testid="risk-reviews"' in page
    assert 'data-testid="review-form"' not in page


def test_a_review_round_starting_at_the_end_of_the_calendar_is_no_error(client_for, security_officer):
    response = client_for(security_officer).get(ROUND, {"start": "9999-12-31"})
    assert response.status_code == 200
