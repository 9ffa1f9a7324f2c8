"""Benchmarks of the incidents app: filing a report, an escalation tick with many incidents due, and the
queue and metrics pages over 20,000 incidents (DESIGN.md's scale). Run with `make bench`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Category, PersonalData, Status
from incidents.models import Incident
from incidents.services.escalation import escalate_due, on_severity_set
from incidents.services.reporting import incident_report
from tests.incidents.factories import IncidentFactory
from tests.incidents.lists_support import make_incidents

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_bench_report_an_incident(benchmark, staff, security_officer):
    """The server's share of "report in a minute": validation, the locked reference, timeline, audit and
    the security officers' notifications."""

    def report():
        return incident_report(
            actor=staff,
            title="Email asking for my password",
            description="It came from it-support@examp1e.com.",
            category=Category.PHISHING,
            noticed_at=timezone.now() - timedelta(minutes=5),
            personal_data=PersonalData.UNKNOWN,
        )

    incident = benchmark(report)
    assert incident.reference.startswith("INC-")


def test_bench_escalation_tick_with_200_incidents_due(benchmark, security_officer, admin_user):
    """One tick that escalates 200 SEV1 incidents to the admins (level 2 at minute 15)."""

    def due_incidents():
        Incident.objects.all().delete()
        for _ in range(200):
            incident = IncidentFactory(reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1)
            on_severity_set(incident=incident, now=T0)
        return (), {}

    fired = benchmark.pedantic(
        lambda: escalate_due(now=T0 + timedelta(minutes=15)), setup=due_incidents, rounds=3
    )
    assert fired == 200


@pytest.fixture
def twenty_thousand(personas):
    make_incidents(20_000, handlers=[personas["security_officer"]], reporters=[personas["staff"]])


def test_bench_queue_page_over_20000_incidents(benchmark, client_for, security_officer, twenty_thousand):
    client = client_for(security_officer)
    url = reverse("incidents:queue")
    response = benchmark(client.get, url)
    assert response.status_code == 200


def test_bench_metrics_page_over_20000_incidents(benchmark, client_for, security_officer, twenty_thousand):
    client = client_for(security_officer)
    url = reverse("incidents:metrics")
    response = benchmark(client.get, url, {"from": "2024-01-01", "to": "2026-12-31"})
    assert response.status_code == 200
