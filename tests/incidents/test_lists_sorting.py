"""The queue sorts by the nearest pending deadline by default (computed by the database, NULLs handled the
same on SQLite and PostgreSQL), then untriaged before SEV1..SEV4, then newest; other sorts on request."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.choices import AuthorityDecision, Status
from incidents.models import Incident
from tests.incidents.factories import IncidentFactory
from tests.incidents.lists_support import QUEUE, breach, listed

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client_for, security_officer):
    return client_for(security_officer)


def test_nearest_deadline_first_then_untriaged_then_severity_then_newest(officer):
    now = timezone.now()
    IncidentFactory(reference="INC-2026-0001", severity=4, status=Status.TRIAGED, reported_at=now)
    IncidentFactory(reference="INC-2026-0002", severity=1, status=Status.INVESTIGATING)
    IncidentFactory(
        reference="INC-2026-0003",
        severity=2,
        status=Status.TRIAGED,
        next_escalation_at=now + timedelta(hours=5),
    )
    breach("INC-2026-0004", aware_hours_ago=70, severity=2)  # authority deadline in 2 hours
    IncidentFactory(reference="INC-2026-0005", reported_at=now - timedelta(days=1))  # untriaged, older
    IncidentFactory(reference="INC-2026-0006")  # untriaged, newer
    IncidentFactory(
        reference="INC-2026-0007",
        severity=1,
        status=Status.INVESTIGATING,
        nis2_significant=True,
        nis2_early_warning_deadline=now + timedelta(hours=3),
    )
    assert listed(officer) == [
        "INC-2026-0004",  # breach: 2 h
        "INC-2026-0007",  # NIS2 early warning: 3 h
        "INC-2026-0003",  # escalation: 5 h
        "INC-2026-0006",  # no deadline: untriaged, newest first
        "INC-2026-0005",
        "INC-2026-0002",  # SEV1
        "INC-2026-0001",  # SEV4
    ]


def test_only_pending_deadlines_count(officer):
    now = timezone.now()
    # The authority was told and the NIS2 warning sent: their deadlines no longer pull the incident up.
    breach(
        "INC-2026-0001",
        aware_hours_ago=71,
        decision=AuthorityDecision.NOTIFIED,
        decided_after_hours=10,
        nis2_significant=True,
        nis2_early_warning_deadline=now + timedelta(minutes=5),
        nis2_early_warning_at=now - timedelta(hours=1),
        nis2_final_report_deadline=now + timedelta(days=20),
    )
    IncidentFactory(
        reference="INC-2026-0002",
        severity=3,
        status=Status.TRIAGED,
        next_escalation_at=now + timedelta(days=2),
    )
    assert listed(officer) == ["INC-2026-0002", "INC-2026-0001"]
    row = officer.get(QUEUE).context["page"].object_list[1]
    incident = Incident.objects.get(reference=row["reference"])
    assert row["deadline"] == incident.nis2_final_report_deadline
    assert row["deadline_label"] == "NIS2 final report"


def test_overdue_deadlines_come_first_and_the_row_says_by_how_much(officer):
    breach("INC-2026-0001", aware_hours_ago=74)  # overdue by 2 h
    breach("INC-2026-0002", aware_hours_ago=66, severity=2)  # due in 6 h
    assert listed(officer) == ["INC-2026-0001", "INC-2026-0002"]
    page = officer.get(QUEUE).content.decode()
    assert "Overdue by 2 h 0 min" in page or "Overdue by 1 h 59 min" in page
    assert "5 h 59 min left" in page or "6 h 0 min left" in page
    assert "data-countdown" in page
    assert "Authority notification" in page


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("reference", ["INC-2026-0001", "INC-2026-0002", "INC-2026-0010"]),
        ("-reference", ["INC-2026-0010", "INC-2026-0002", "INC-2026-0001"]),
        ("severity", ["INC-2026-0002", "INC-2026-0010", "INC-2026-0001"]),
        ("-severity", ["INC-2026-0001", "INC-2026-0010", "INC-2026-0002"]),
        ("status", ["INC-2026-0002", "INC-2026-0001", "INC-2026-0010"]),
        ("-status", ["INC-2026-0010", "INC-2026-0001", "INC-2026-0002"]),
        ("reported", ["INC-2026-0010", "INC-2026-0001", "INC-2026-0002"]),
        ("-reported", ["INC-2026-0002", "INC-2026-0001", "INC-2026-0010"]),
    ],
)
def test_other_sorts(officer, sort, expected):
    now = timezone.now()
    IncidentFactory(
        reference="INC-2026-0001", severity=4, status=Status.TRIAGED, reported_at=now - timedelta(hours=2)
    )
    IncidentFactory(reference="INC-2026-0002", reported_at=now - timedelta(hours=1))  # untriaged, reported
    IncidentFactory(
        reference="INC-2026-0010", severity=1, status=Status.CONTAINED, reported_at=now - timedelta(hours=3)
    )
    assert listed(officer, sort=sort) == expected


def test_column_headers_link_to_sorting_and_reverse_on_a_second_click(officer):
    IncidentFactory(reference="INC-2026-0001")
    page = officer.get(QUEUE, {"severity": "untriaged", "sort": "reference"}).content.decode()
    assert 'aria-sort="ascending"><a href="?severity=untriaged&amp;sort=-reference"' in page
    assert 'href="?severity=untriaged&amp;sort=reported"' in page
