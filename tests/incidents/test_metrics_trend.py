"""The month-by-month incident trend: mean time to acknowledge and to resolve, authority clocks met and
missed, per calendar month of the viewer's time zone, in one query."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from incidents.choices import AuthorityDecision, Status
from incidents.queries.metrics import last_months, month_starts, monthly_trend
from tests.incidents.factories import IncidentFactory
from tests.incidents.lists_support import breach

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def test_months_run_from_the_first_to_the_last_included():
    assert month_starts(date(2026, 11, 20), date(2027, 2, 3)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    assert last_months(12, today=date(2026, 12, 7)) == (date(2026, 1, 1), date(2026, 12, 7))


def test_each_month_has_its_means_and_its_clocks(security_officer, django_assert_num_queries):
    start, end = last_months(3)
    first, second, third = month_starts(start, end)
    # First month: acknowledged after 2 h and 4 h (mean 3 h), one resolved after 10 h.
    IncidentFactory(reported_at=at(first), acknowledged_at=at(first, 12), severity=2, status=Status.TRIAGED)
    IncidentFactory(
        reported_at=at(first, 8),
        acknowledged_at=at(first, 12),
        resolved_at=at(first, 18),
        severity=3,
        status=Status.RESOLVED,
    )
    # Third month: one breach decided in time, one decided late.
    met = breach(
        "INC-2026-0201", aware_hours_ago=10, decision=AuthorityDecision.NOTIFIED, decided_after_hours=5
    )
    late = breach(
        "INC-2026-0202", aware_hours_ago=1, decision=AuthorityDecision.NOT_REQUIRED, decided_after_hours=0
    )
    late.authority_deadline = late.authority_decided_at - timedelta(hours=1)
    late.save()
    for incident in (met, late):
        incident.reported_at = max(at(third), timezone.now() - timedelta(minutes=5))
        incident.save()
    monthly_trend(security_officer, start=start, end=end)  # the viewer's roles, read once a request
    with django_assert_num_queries(1):
        trend = monthly_trend(security_officer, start=start, end=end)
    assert [row["month"] for row in trend] == [first, second, third]
    assert trend[0]["reported"] == 2
    assert trend[0]["acknowledge"] == timedelta(hours=3)
    assert trend[0]["resolve"] == timedelta(hours=10)
    assert trend[1] == {
        **trend[1],
        "reported": 0,
        "acknowledge": None,
        "resolve": None,
        "met": 0,
        "missed": 0,
    }
    assert (trend[2]["met"], trend[2]["missed"]) == (1, 1)


def test_only_incidents_whose_handling_the_viewer_sees_count(staff, security_officer):
    start, end = last_months(1)
    IncidentFactory(reported_at=timezone.now(), severity=2)
    IncidentFactory(
        reported_at=timezone.now(), severity=2, reported_by=staff
    )  # a reporter's own: not internal
    IncidentFactory(reported_at=timezone.now(), severity=2, handler=staff)
    IncidentFactory(reported_at=timezone.now(), severity=2, confidential=True)  # not shared with the officer
    assert monthly_trend(security_officer, start=start, end=end)[-1]["reported"] == 3
    assert monthly_trend(staff, start=start, end=end)[-1]["reported"] == 1


def test_an_incident_counts_in_its_month_of_the_viewers_time_zone(security_officer):
    # Berlin: 23:30 on 31 March is 21:30 UTC (March); 00:30 on 1 April is 22:30 UTC on 31 March (April).
    berlin = timezone.get_current_timezone()
    assert str(berlin) == "Europe/Berlin"
    IncidentFactory(reported_at=datetime(2026, 3, 31, 23, 30, tzinfo=berlin), severity=2)
    IncidentFactory(reported_at=datetime(2026, 4, 1, 0, 30, tzinfo=berlin), severity=2)
    IncidentFactory(reported_at=datetime(2026, 4, 30, 23, 59, tzinfo=berlin), severity=2)
    IncidentFactory(reported_at=datetime(2026, 2, 28, 23, 0, tzinfo=berlin), severity=2)  # before the period
    trend = monthly_trend(security_officer, start=date(2026, 3, 15), end=date(2026, 5, 31))
    assert [(row["month"], row["reported"]) for row in trend] == [
        (date(2026, 3, 1), 1),
        (date(2026, 4, 1), 2),
        (date(2026, 5, 1), 0),
    ]
