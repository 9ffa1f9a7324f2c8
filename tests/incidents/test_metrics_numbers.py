"""The metrics' numbers on small hand-built datasets: durations per severity, clocks, the period."""

import datetime as dt
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.choices import AuthorityDecision, Status
from incidents.queries.metrics import incident_metrics
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory
from tests.incidents.lists_support import METRICS, breach

pytestmark = pytest.mark.django_db


def row(metrics, label):
    return next(line for line in metrics["severities"] if line["label"] == label)


@pytest.fixture
def sev2(db):
    """Three SEV2 incidents reported yesterday, acknowledged after 10, 20 and 60 minutes; one resolved
    after 5 hours."""
    reported = timezone.now() - timedelta(days=1)
    for minutes, status in ((10, Status.INVESTIGATING), (20, Status.RESOLVED), (60, Status.TRIAGED)):
        IncidentFactory(
            severity=2,
            status=status,
            reported_at=reported,
            acknowledged_at=reported + timedelta(minutes=minutes),
            resolved_at=reported + timedelta(hours=5) if status == Status.RESOLVED else None,
        )


def test_time_to_acknowledge_and_resolve_per_severity(auditor, sev2):
    today = timezone.localdate()
    metrics = incident_metrics(auditor, start=today - timedelta(days=7), end=today)
    sev = row(metrics, "SEV2")
    assert sev["count"] == 3
    assert sev["acknowledge"].median == timedelta(minutes=20)
    assert sev["acknowledge"].p90 == timedelta(minutes=60)
    assert sev["acknowledge"].mean == timedelta(minutes=30)
    assert sev["resolve"].count == 1
    assert sev["resolve"].median == timedelta(hours=5)
    assert sev["unresolved"] == 2
    assert row(metrics, "SEV1")["count"] == 0
    assert row(metrics, "SEV1")["acknowledge"].median is None


def test_the_page_shows_human_durations_and_a_dash_without_data(client_for, security_officer, sev2):
    response = client_for(security_officer).get(METRICS)
    assert response.status_code == 200
    page = response.content.decode()
    sev = next(line for line in response.context["metrics"]["severities"] if line["label"] == "SEV2")
    assert sev["acknowledge_text"] == {"count": 3, "median": "20 min", "p90": "1 h", "mean": "30 min"}
    assert sev["resolve_text"]["median"] == "5 h"
    assert '<td data-label="Ack. median" data-testid="ack-median">20 min</td>' in page
    assert '<td data-label="Ack. median" data-testid="ack-median">—</td>' in page  # SEV1: no data
    assert "from the report (reported at) to the acknowledgement" in page


def test_untriaged_and_dismissed_incidents_are_counted_not_timed(auditor):
    IncidentFactory()
    IncidentFactory(status=Status.DISMISSED)
    today = timezone.localdate()
    untriaged = row(incident_metrics(auditor, start=today, end=today), "Untriaged")
    assert (untriaged["count"], untriaged["dismissed"], untriaged["unresolved"]) == (2, 1, 1)


def test_authority_clocks_met_missed_and_running(auditor):
    breach("INC-2026-0001", aware_hours_ago=30, decision=AuthorityDecision.NOTIFIED, decided_after_hours=20)
    breach(
        "INC-2026-0002", aware_hours_ago=90, decision=AuthorityDecision.NOT_REQUIRED, decided_after_hours=70
    )
    breach("INC-2026-0003", aware_hours_ago=90, decision=AuthorityDecision.NOTIFIED, decided_after_hours=80)
    breach("INC-2026-0004", aware_hours_ago=75)  # still running, past the deadline
    breach("INC-2026-0005", aware_hours_ago=5)  # running
    IncidentFactory(severity=3, status=Status.TRIAGED)  # not a breach
    today = timezone.localdate()
    clocks = incident_metrics(auditor, start=today - timedelta(days=10), end=today)["clocks"]
    assert clocks == {"breaches": 5, "met": 2, "missed": 2, "missed_running": 1, "running": 1}


def test_nis2_reports_are_counted_only_when_there_are_significant_incidents(auditor):
    today = timezone.localdate()
    assert incident_metrics(auditor, start=today, end=today)["nis2"] is None
    now = timezone.now()
    IncidentFactory(
        nis2_significant=True,
        nis2_early_warning_deadline=now - timedelta(hours=1),
        nis2_early_warning_at=now - timedelta(hours=2),
        nis2_notification_deadline=now - timedelta(minutes=1),
        nis2_final_report_deadline=now + timedelta(days=29),
    )
    nis2 = incident_metrics(auditor, start=today, end=today)["nis2"]
    assert [(report["met"], report["missed"], report["pending"]) for report in nis2] == [
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
    ]


def counted(metrics) -> list[str]:
    return [line["label"] for line in metrics["severities"] if line["count"]]


def test_the_period_is_whole_days_in_the_viewers_time_zone(client_for):
    viewer = UserFactory(roles=["auditor"], time_zone="Pacific/Auckland")  # UTC+13 in March
    for severity, (day, hour, minute) in enumerate(((9, 10, 59), (9, 11, 0), (10, 10, 59), (10, 11, 0)), 1):
        IncidentFactory(severity=severity, reported_at=dt.datetime(2026, 3, day, hour, minute, tzinfo=dt.UTC))
    # 10 March in Auckland runs from 9 March 11:00 to 10 March 11:00 UTC.
    response = client_for(viewer).get(METRICS, {"from": "2026-03-10", "to": "2026-03-10"})
    assert response.status_code == 200
    assert counted(response.context["metrics"]) == ["SEV2", "SEV3"]
    # The same day in Berlin (UTC+1) holds other incidents.
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        assert counted(incident_metrics(viewer, start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 10))) == [
            "SEV3",
            "SEV4",
        ]


def test_only_incidents_the_viewer_may_see_are_counted(client_for, security_officer):
    IncidentFactory(severity=1, status=Status.TRIAGED)
    IncidentFactory(severity=1, status=Status.TRIAGED, confidential=True)
    today = timezone.localdate()
    metrics = incident_metrics(security_officer, start=today, end=today)
    assert row(metrics, "SEV1")["count"] == 1
    assert metrics["open"]["total"] == 1


def test_open_now_counts_every_open_incident_whenever_reported(auditor):
    IncidentFactory(severity=1, status=Status.TRIAGED, reported_at=timezone.now() - timedelta(days=400))
    IncidentFactory()
    IncidentFactory(severity=4, status=Status.CLOSED)
    today = timezone.localdate()
    metrics = incident_metrics(auditor, start=today - timedelta(days=7), end=today)
    counts = {line["label"]: line["count"] for line in metrics["open"]["by_severity"]}
    assert counts == {"SEV1": 1, "SEV2": 0, "SEV3": 0, "SEV4": 0, "Untriaged": 1}
    assert metrics["total"] == 2  # the old SEV1 was reported before the period
