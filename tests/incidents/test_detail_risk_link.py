"""A risk's page lists the incidents that name it, only those the viewer may see."""

import pytest
from django.urls import reverse

from incidents.choices import Severity, Status
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk(db):
    return RiskFactory(reference="R-007", title="Phishing leads to account takeover")


@pytest.fixture
def linked(risk, staff, security_officer):
    handler = UserFactory(full_name="Hank Handler", roles=["security officer"])
    visible = incident_at(
        Status.INVESTIGATING,
        reporter=staff,
        handler=security_officer,
        severity=Severity.SEV2,
        title="Password phished",
    )
    hidden = incident_at(
        Status.INVESTIGATING, reporter=staff, handler=handler, confidential=True, title="Board member phished"
    )
    unrelated = incident_at(Status.TRIAGED, reporter=staff, handler=security_officer, title="Laptop lost")
    visible.risks.add(risk)
    hidden.risks.add(risk)
    return visible, hidden, unrelated


def risk_page(client, risk):
    response = client.get(reverse("risk:risk", args=[risk.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_risk_page_lists_its_incidents_the_viewer_may_see(client_for, security_officer, risk, linked):
    visible, hidden, unrelated = linked
    page = risk_page(client_for(security_officer), risk)
    assert reverse("incidents:detail", args=[visible.pk]) in page
    assert "Password phished" in page
    assert "Investigating" in page
    assert "SEV2" in page
    assert "Board member phished" not in page  # confidential, and this officer is not added to it
    assert "Laptop lost" not in page


def test_an_auditor_sees_the_confidential_one_too(client_for, auditor, risk, linked):
    page = risk_page(client_for(auditor), risk)
    assert "Password phished" in page
    assert "Board member phished" in page


def test_a_risk_without_incidents_says_so(client_for, security_officer, risk):
    assert "No incident you may see names this risk." in risk_page(client_for(security_officer), risk)
