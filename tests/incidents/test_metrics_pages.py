"""The metrics page: who may open it, the period form, and a query count that does not grow."""

import datetime as dt
import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.queries.metrics import period_bounds
from tests.factories import UserFactory
from tests.incidents.lists_support import METRICS, make_incidents

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 403), ("manager", 403), ("outsider", 403), ("security_officer", 200), ("auditor", 200)],
)
def test_metrics_permission_ladder(client_for, personas, persona, status):
    assert client_for(personas[persona]).get(METRICS).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(METRICS)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_metrics_link_shows_only_to_those_who_may_open_it(client_for, staff, security_officer):
    queue = reverse("incidents:queue")
    assert f'href="{METRICS}"' not in client_for(staff).get(queue).content.decode()
    page = client_for(security_officer).get(queue).content.decode()
    assert f'href="{METRICS}"' in page
    assert f'<a href="{queue}" aria-current="page">Incidents</a>' in page


def test_the_default_period_is_the_last_90_days(client_for, auditor):
    metrics = client_for(auditor).get(METRICS).context["metrics"]
    assert (metrics["end"] - metrics["start"]).days == 89


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-05-02", "to": "2026-05-01"}, "The end date must not be before the start date."),
        ({"from": "2020-01-01", "to": "2023-01-01"}, "Choose a period of at most 3 years."),
        ({"from": "not a date"}, "Enter a valid date."),
        ({"to": "2026-02-30"}, "Enter a valid date."),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "Choose a date between 1900 and 9998."),
        ({"to": "9999-12-31"}, "Choose a date between 1900 and 9998."),
    ],
)
def test_a_bad_period_is_a_form_error_and_400_never_a_crash(client_for, auditor, params, message):
    response = client_for(auditor).get(METRICS, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_three_years_exactly_is_allowed(client_for, auditor):
    assert client_for(auditor).get(METRICS, {"from": "2020-01-01", "to": "2022-12-31"}).status_code == 200


def test_a_day_of_the_daylight_saving_change_is_23_hours_long():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    since, until = period_bounds(dt.date(2026, 3, 29), dt.date(2026, 3, 29), berlin)
    assert until - since == timedelta(hours=23)
    assert since == dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("total", [10, 1000])
def test_metrics_query_count_does_not_grow(client_for, security_officer, total, django_assert_num_queries):
    handlers = UserFactory.create_batch(2, roles=["security officer"])
    make_incidents(total, handlers=handlers, reporters=UserFactory.create_batch(2))
    client = client_for(security_officer)
    client.get(METRICS)  # a session's first request also records it (allauth usersessions)
    # 15 queries: session and user (2); allauth's user-session tracking (5); the viewer's groups (1); the
    # period's incidents as a values list (1); the open incidents' counts (1); the period month by month for
    # the trend charts (1); the header's unread count (1); saving the sliding session: savepoint, update,
    # release (3). Nothing per incident.
    today = timezone.localdate()
    period = {"from": (today - timedelta(days=60)).isoformat(), "to": today.isoformat()}
    with django_assert_num_queries(15):
        response = client.get(METRICS, period)
    assert response.status_code == 200
    # The incidents were reported over the last ``total`` hours: the period holds them all, and they count.
    metrics = response.context["metrics"]
    assert metrics["total"] == sum(1 for n in range(total) if n % 11)  # every 11th is confidential
    assert sum(row["count"] for row in metrics["severities"]) == metrics["total"]
    assert metrics["clocks"]["breaches"] > 0
    assert metrics["open"]["total"] > 0
