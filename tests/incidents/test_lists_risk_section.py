"""A risk's page shows the 20 most recent incidents naming it that the viewer may see, and how many there are,
in two queries whatever their number."""

import datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Status
from tests.incidents.detail_support import incident_at
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


def link(risk, count, *, reporter, handler):
    start = timezone.now() - datetime.timedelta(days=count)
    incidents = [
        incident_at(
            Status.INVESTIGATING,
            reporter=reporter,
            handler=handler,
            title=f"Incident number {n}",
            reported_at=start + datetime.timedelta(days=n),
        )
        for n in range(count)
    ]
    for incident in incidents:
        incident.risks.add(risk)
    return incidents


@pytest.mark.parametrize("count", [3, 30])
def test_the_20_most_recent_are_listed_with_the_total_in_two_queries(
    client_for, staff, security_officer, count
):
    risk = RiskFactory(reference="R-007")
    incidents = link(risk, count, reporter=staff, handler=security_officer)
    template = Template("{% include 'incidents/lists/_risk_section.html' %}")
    template.render(Context({"risk": risk, "user": security_officer}))  # loads the viewer's roles once
    with CaptureQueriesContext(connection) as captured:
        html = template.render(Context({"risk": risk, "user": security_officer}))
    assert len(captured) == 2
    assert html.count("Incident number ") == min(count, 20)
    assert incidents[-1].reference in html  # the most recent
    if count > 20:
        assert "20 of 30 shown, the most recent first." in html
        assert f">{incidents[count - 21].reference}<" not in html  # the 21st most recent is left out
    else:
        assert "shown, the most recent first" not in html


@pytest.mark.parametrize("count", [3, 30])
def test_the_risk_page_costs_the_same_with_3_and_30_incidents(client_for, staff, security_officer, count):
    small, large = RiskFactory(reference="R-001"), RiskFactory(reference="R-002")
    link(small, 3, reporter=staff, handler=security_officer)
    link(large, count, reporter=staff, handler=security_officer)
    client = client_for(security_officer)
    client.get(reverse("risk:risk", args=[small.pk]))

    def queries(risk):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("risk:risk", args=[risk.pk])).status_code == 200
        return len(captured)

    assert queries(large) == queries(small)
