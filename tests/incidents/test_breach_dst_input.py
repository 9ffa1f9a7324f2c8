"""A time typed in the viewer's zone the day before the clocks change still gives deadlines of exactly 72
(and 24) elapsed hours: the arithmetic happens in UTC, never on the wall clock."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Status
from incidents.models import Incident
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
# Berlin goes from CET to CEST in the night of Saturday 28 to Sunday 29 March 2026.
NOTICED = datetime.datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
NOW = datetime.datetime(2026, 3, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def berlin_officer():
    return UserFactory(roles=["security officer"], time_zone="Europe/Berlin")


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def test_awareness_typed_in_berlin_before_spring_forward_gives_72_elapsed_hours(
    client_for, berlin_officer, frozen
):
    incident = IncidentFactory(reported_by=berlin_officer, noticed_at=NOTICED, status=Status.TRIAGED)
    response = client_for(berlin_officer).post(
        reverse("incidents:breach_mark", args=[incident.pk]),
        {"breach-mark-aware_at": "2026-03-27T10:00", "breach-mark-aware_at_reason": "Found in the logs"},
    )
    assert response.status_code == 302
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.aware_at == datetime.datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # 10:00 CET
    assert incident.authority_deadline - incident.aware_at == datetime.timedelta(hours=72)
    assert incident.authority_deadline == datetime.datetime(2026, 3, 30, 9, 0, tzinfo=UTC)  # 11:00 CEST


def test_nis2_deadlines_typed_in_berlin_are_24_and_72_elapsed_hours(
    client_for, berlin_officer, frozen, settings
):
    settings.NIS2_ENABLED = True
    incident = IncidentFactory(reported_by=berlin_officer, noticed_at=NOTICED, status=Status.TRIAGED)
    response = client_for(berlin_officer).post(
        reverse("incidents:breach_nis2_significant", args=[incident.pk]),
        {"nis2-mark-aware_at": "2026-03-28T08:00", "nis2-mark-reason": "The alert came first"},
    )
    assert response.status_code == 302
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.nis2_early_warning_deadline - incident.nis2_aware_at == datetime.timedelta(hours=24)
    assert incident.nis2_notification_deadline - incident.nis2_aware_at == datetime.timedelta(hours=72)
