"""The incident metrics through the API: the metrics page's numbers, for security officers and auditors,
over a period validated by the page's form, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Status
from incidents.models import Incident
from tests.dpms.api_support import api_client, token_for
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

METRICS = reverse("api:incident-metrics")


@pytest.fixture
def sev2(db):
    """Three SEV2 incidents reported yesterday, acknowledged after 10, 20 and 60 minutes."""
    reported = timezone.now() - timedelta(days=1)
    for minutes in (10, 20, 60):
        IncidentFactory(
            severity=2,
            status=Status.INVESTIGATING,
            reported_at=reported,
            acknowledged_at=reported + timedelta(minutes=minutes),
        )


def test_the_numbers_of_the_metrics_page(auditor, sev2):
    body = api_client(token_for(auditor)[1]).get(METRICS).json()
    assert body["total"] == 3
    sev2_row = next(row for row in body["severities"] if row["severity"] == 2)
    assert sev2_row["count"] == 3
    assert sev2_row["acknowledge"] == {
        "count": 3,
        "median_seconds": 1200.0,
        "p90_seconds": 3600.0,
        "mean_seconds": 1800.0,
    }
    assert body["open"]["total"] == 3
    assert body["clocks"]["breaches"] == 0


def test_the_period_is_the_pages_form(security_officer, sev2):
    api = api_client(token_for(security_officer)[1])
    today = timezone.localdate()
    assert api.get(METRICS, {"from": today.isoformat()}).json()["total"] == 0
    response = api.get(METRICS, {"from": today.isoformat(), "to": (today - timedelta(days=3)).isoformat()})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["The end date must not be before the start date."]
    }
    assert api.get(METRICS, {"from": "yesterday"}).status_code == 400


def test_only_officers_and_auditors(staff, manager, admin_user):
    for person in (staff, manager, admin_user):
        assert api_client(token_for(person)[1]).get(METRICS).status_code == 403


@pytest.mark.parametrize("rows", [10, 1000])
def test_a_fixed_number_of_queries(rows, auditor, django_assert_num_queries):
    Incident.objects.bulk_create(IncidentFactory.build_batch(rows, severity=2, reported_by=auditor))
    api = api_client(token_for(auditor)[1])
    api.get(METRICS)  # the first use notes the time and address (once a minute)
    # token with its owner (1), the caller's portal roles (1), the period's incidents' few fields (1), the
    # open incidents by severity (1)
    with django_assert_num_queries(4):
        assert api.get(METRICS).json()["total"] == rows
