"""The register's "above appetite" filter (the dashboard's count links to it) and the portfolio's twelve
months, reconstructed from the periodic reviews."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.charts import month_starts_back
from risk.choices import RiskStatus
from risk.models import Risk
from risk.queries.register import portfolio_history
from tests.risk.factories import RiskAssessmentFactory, RiskFactory, active_matrix

pytestmark = pytest.mark.django_db

REGISTER = reverse("risk:register")


def test_above_appetite_lists_the_risks_whose_current_level_is_above_it(client_for, security_officer):
    matrix = active_matrix()  # level = (likelihood + impact) // 2, appetite 2 ("Moderate")
    high = RiskFactory(current_likelihood=4, current_impact=3)  # level 3
    RiskFactory(current_likelihood=2, current_impact=2)  # level 2: within the appetite
    RiskFactory(current_likelihood=4, current_impact=4, status=RiskStatus.CLOSED)  # level 4, closed
    assert matrix.appetite == 2
    response = client_for(security_officer).get(REGISTER, {"above_appetite": "on", "status": "live"})
    assert [risk.pk for risk in response.context["page"].object_list] == [high.pk]
    everything = client_for(security_officer).get(REGISTER, {"above_appetite": "on"})
    assert everything.context["page"].paginator.count == 2  # closed ones too, without the status filter


def test_the_portfolio_of_past_months_reads_the_level_before_each_review(django_assert_num_queries):
    matrix = active_matrix()
    now = timezone.now()
    months = month_starts_back(3, timezone.localdate())
    created = now - datetime.timedelta(days=120)
    reviewed = RiskFactory(current_likelihood=4, current_impact=4, created_at=created)
    RiskAssessmentFactory(
        risk=reviewed,
        reviewed_at=timezone.make_aware(datetime.datetime.combine(months[-1], datetime.time(0, 0, 1))),
        before={"inherent": [3, 3], "current": [0, 0], "target": None},
        after={"inherent": [3, 3], "current": [4, 4], "target": None},
        current_level_index=4,
    )
    RiskFactory(current_likelihood=2, current_impact=2, created_at=now - datetime.timedelta(minutes=5))  # new
    RiskFactory(current_likelihood=2, current_impact=2, status=RiskStatus.DRAFT, created_at=created)
    with django_assert_num_queries(2):
        history = portfolio_history(Risk.objects.all(), matrix, months=months)
    assert [month.by_level for month in history] == [
        [1, 0, 0, 0, 0],  # before the review this month: very low
        [1, 0, 0, 0, 0],
        [0, 0, 1, 0, 1],  # now: very high after the review, and the new risk; the draft never counts
    ]
    assert [month.above_appetite for month in history] == [0, 0, 1]


def test_the_portfolio_counts_unreviewed_risks_by_month_closed_accepted_and_unseen_alike(
    django_assert_num_queries,
):
    """The risks not reviewed since the first month are counted by the database per score and month: a risk
    closed two months ago counts until then, an accepted one counts now, a draft never, and a risk outside
    the queryset (one the viewer may not see) not at all; a reviewed risk beside them keeps its own path."""
    matrix = active_matrix()  # level = (likelihood + impact) // 2
    now = timezone.now()
    months = month_starts_back(4, timezone.localdate())
    long_ago = now - datetime.timedelta(days=200)
    first_of = [timezone.make_aware(datetime.datetime.combine(month, datetime.time(12))) for month in months]
    RiskFactory(current_likelihood=1, current_impact=1, created_at=long_ago)  # level 1 throughout
    RiskFactory(  # level 3 until it was closed in the second month
        current_likelihood=3,
        current_impact=3,
        created_at=long_ago,
        status=RiskStatus.CLOSED,
        closed_at=first_of[1],
    )
    RiskFactory(current_likelihood=4, current_impact=4, created_at=first_of[2], status=RiskStatus.ACCEPTED)
    RiskFactory(current_likelihood=2, current_impact=2, created_at=long_ago, status=RiskStatus.DRAFT)
    unseen = RiskFactory(current_likelihood=0, current_impact=0, created_at=long_ago)
    reviewed = RiskFactory(current_likelihood=4, current_impact=4, created_at=long_ago)
    RiskAssessmentFactory(
        risk=reviewed,
        reviewed_at=first_of[3],
        before={"inherent": [3, 3], "current": [2, 2], "target": None},
        after={"inherent": [3, 3], "current": [4, 4], "target": None},
        current_level_index=4,
    )
    with django_assert_num_queries(2):
        history = portfolio_history(Risk.objects.exclude(pk=unseen.pk), matrix, months=months)
    assert [month.by_level for month in history] == [
        [0, 1, 1, 1, 0],  # the level-1 risk, the reviewed one at its earlier level 2, the one closed later
        [0, 1, 1, 0, 0],  # closed during this month
        [0, 1, 1, 0, 1],  # the accepted one, created this month
        [0, 1, 0, 0, 2],  # now: reviewed up to level 4
    ]
    assert [month.above_appetite for month in history] == [1, 0, 1, 2]
