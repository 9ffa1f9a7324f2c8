"""The remediation policy's page: officers change it (audited), auditors read it, nobody else opens it."""

import pytest
from django.urls import reverse

from dpms.models import AuditEvent
from vulnerabilities.queries.deadlines import current_policy

pytestmark = pytest.mark.django_db
POLICY = reverse("vulnerabilities:policy")
VALUES = {
    "critical_days": 5, "high_days": 30, "medium_days": 90, "low_days": 180, "clock_from": "first_seen",
    "halve_for_production_personal_data": "on", "reminder_days_before_due": 2,
    "escalate_to_officers_after_days": 3,
}  # fmt: skip


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(POLICY).status_code == 302


@pytest.mark.parametrize(("persona", "status"), [("staff", 403), ("admin", 403), ("auditor", 200),
                                                 ("security_officer", 200)])  # fmt: skip
def test_the_policy_page_by_role(client_for, personas, persona, status):
    assert client_for(personas[persona]).get(POLICY).status_code == status


def test_a_system_owner_cannot_open_the_policy(client_for, system_owner, owned_system):
    assert client_for(system_owner).get(POLICY).status_code == 403


def test_an_officer_changes_the_policy(client_for, security_officer):
    assert client_for(security_officer).post(POLICY, VALUES).status_code == 302
    policy = current_policy()
    assert (policy.critical_days, policy.clock_from) == (5, "first_seen")
    assert AuditEvent.objects.filter(action="vulnerabilities.policy.update").exists()


def test_the_auditor_cannot_change_it(client_for, auditor):
    assert client_for(auditor).post(POLICY, VALUES).status_code == 403
    assert current_policy().critical_days == 7


def test_more_time_for_critical_than_for_high_is_refused(client_for, security_officer):
    response = client_for(security_officer).post(POLICY, {**VALUES, "critical_days": 60})
    assert response.status_code == 400
    assert "cannot get more time" in response.content.decode()
    assert current_policy().critical_days == 7


@pytest.mark.parametrize("days", [0, -3])
def test_zero_or_negative_days_say_at_least_one_day(client_for, security_officer, days):
    response = client_for(security_officer).post(POLICY, {**VALUES, "high_days": days})
    assert response.status_code == 400
    page = response.content.decode()
    assert "At least one day." in page
    assert "greater than or equal" not in page
    assert current_policy().high_days == 30
