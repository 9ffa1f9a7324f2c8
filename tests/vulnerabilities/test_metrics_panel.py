"""The officers' dashboard panel: open by severity, overdue, median time to remediate by severity over the
last 90 days and the share fixed within the deadline; two queries whatever the numbers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.dashboard_support import dashboard_html, panel_of
from tests.vulnerabilities.factories import VulnerabilityFactory
from vulnerabilities.queries.metrics import remediation_metrics

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
DASHBOARD = reverse("dashboard")


def _fixed(system, *, took_days, late=False, severity="high", days_ago=5):
    now = timezone.now()
    fixed_at = now - days_ago * DAY
    first_seen = fixed_at - took_days * DAY
    due = fixed_at + (-DAY if late else DAY)
    return VulnerabilityFactory(
        system=system,
        status="fixed",
        severity=severity,
        first_seen_at=first_seen,
        fixed_at=fixed_at,
        due_at=due,
    )


def test_the_numbers(owned_system):
    now = timezone.now()
    VulnerabilityFactory(system=owned_system, severity="critical", status="triaged", due_at=now - DAY)
    VulnerabilityFactory(system=owned_system, severity="low", status="new")
    _fixed(owned_system, took_days=10)
    _fixed(owned_system, took_days=20)
    _fixed(owned_system, took_days=60, late=True)
    _fixed(owned_system, took_days=5, days_ago=120)  # outside the 90 days
    metrics = remediation_metrics(now)
    assert (metrics["open_total"], metrics["overdue"]) == (2, 1)
    rows = {row["severity"]: row for row in metrics["by_severity"]}
    assert (rows["critical"]["open"], rows["low"]["open"]) == (1, 1)
    assert (rows["high"]["fixed"], rows["high"]["median_days"]) == (3, 20.0)
    assert rows["medium"]["median_days"] is None
    assert (metrics["fixed_within_deadline"], metrics["fixed_with_deadline"], metrics["within_share"]) == (
        2,
        3,
        67,
    )


@pytest.mark.parametrize(
    ("persona", "shown"), [("security_officer", True), ("auditor", True), ("staff", False), ("admin", False)]
)
def test_the_panel_is_for_officers_and_auditors(client_for, personas, persona, shown):
    page = dashboard_html(client_for(personas[persona]))
    assert ('data-testid="vulnerability-panel"' in page) is shown


def test_the_panel_costs_two_queries_at_any_size(client_for, security_officer, owned_system):
    client = client_for(security_officer)
    counts = []
    for size in (3, 40):
        VulnerabilityFactory.create_batch(size, system=owned_system)
        for _ in range(size):
            _fixed(owned_system, took_days=7)
        client.get(DASHBOARD)
        with CaptureQueriesContext(connection) as captured:
            page = dashboard_html(client)
        counts.append(len([q for q in captured if "vulnerabilities_vulnerability" in q["sql"]]))
        assert 'data-testid="vulnerability-panel"' in page
    # The open vulnerabilities' aggregate and the fixed ones' timestamps: two, at both sizes; plus the owners'
    # panel asking whether the officer owns any open one (1: none, so it shows nothing).
    assert counts == [3, 3]


def test_the_none_severity_row_shows_only_when_there_is_one(client_for, security_officer, owned_system):
    VulnerabilityFactory(system=owned_system, severity="high")
    client = client_for(security_officer)
    panel = panel_of(client, "vulnerabilities-remediation")
    assert [row["severity"] for row in panel["metrics"]["by_severity"]] == [
        "critical",
        "high",
        "medium",
        "low",
    ]
    assert "severity-none" not in dashboard_html(client)
    VulnerabilityFactory(system=owned_system, severity="none", cvss_score=0.0)
    page = dashboard_html(client)
    assert 'class="tag severity-none"' in page
