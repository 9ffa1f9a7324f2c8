"""The breach and NIS2 clocks through the API: the breach section's forms and services, its refusals (a plain
reporter reads nothing of it, only responders act), service refusals as field errors, and the audit trail."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent
from incidents.choices import Severity, Status
from incidents.models import Incident
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


def client(user):
    return api_client(token_for(user, read_only=False)[1])


def url(name, incident):
    return reverse(f"api:incident-{name}", args=[incident.pk])


@pytest.fixture
def incident(staff, manager):
    # A personal-data breach is SEV1 (the SEV1 definition covers any exposure of personal data).
    return incident_at(Status.INVESTIGATING, reporter=staff, handler=manager, severity=Severity.SEV1)


def test_marking_a_breach_starts_the_clock_and_is_audited_as_api(incident, manager):
    token, text = token_for(manager, read_only=False, name="dpo script")
    response = api_client(text).post(url("breach-mark", incident), {}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["is_breach"] is True
    assert body["authority_clock_running"] is True
    assert body["authority_on_time"] == "pending"
    assert body["breach_marked_by"]["email"] == manager.email
    event = AuditEvent.objects.get(action__startswith="incident.breach")
    assert event.source == "api"
    assert f"API token #{token.pk} dpo script" in event.actor_label
    # Marked twice: the service refuses, as on the page.
    again = api_client(text).post(url("breach-mark", incident), {}, format="json")
    assert again.status_code == 400


def test_an_earlier_awareness_needs_a_reason(incident, manager):
    earlier = (timezone.now() - datetime.timedelta(hours=5)).isoformat()
    response = client(manager).post(url("breach-mark", incident), {"aware_at": earlier}, format="json")
    assert response.status_code == 400
    assert "aware_at_reason" in response.json()["errors"]
    assert not Incident.objects.get(pk=incident.pk).is_breach


def test_recording_the_authority_decision_stops_the_clock(incident, manager):
    api = client(manager)
    api.post(url("breach-mark", incident), {}, format="json")
    response = api.post(
        url("breach-authority-not-required", incident), {"reason": "Encrypted laptop"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["authority_decision"] == "not_required"
    assert response.json()["authority_clock_running"] is False
    assert response.json()["authority_on_time"] == "not required"


def test_notified_late_needs_the_reasons_for_the_delay(incident, manager):
    api = client(manager)
    long_ago = timezone.now() - datetime.timedelta(hours=100)
    api.post(
        url("breach-mark", incident),
        {"aware_at": long_ago.isoformat(), "aware_at_reason": "Found in logs"},
        format="json",
    )
    response = api.post(
        url("breach-authority-notified", incident),
        {"notified_at": timezone.now().isoformat(), "reference": "SA-42"},
        format="json",
    )
    assert response.status_code == 400
    assert "delay_reason" in response.json()["errors"]
    assert Incident.objects.get(pk=incident.pk).authority_decision == ""


def test_data_subjects_and_facts(incident, manager):
    api = client(manager)
    api.post(url("breach-mark", incident), {}, format="json")
    response = api.post(url("breach-data-subjects", incident), {"decision": "not_high_risk"}, format="json")
    assert response.status_code == 400  # a reason is needed when they are not told
    assert "reason" in response.json()["errors"]
    response = api.post(
        url("breach-data-subjects", incident),
        {"decision": "not_high_risk", "reason": "Test data"},
        format="json",
    )
    assert response.json()["subjects_decision"] == "not_high_risk"
    response = api.post(url("breach-facts", incident), {"nature": "40 customers' emails"}, format="json")
    assert response.json()["breach_nature"] == "40 customers' emails"


def test_the_plain_reporter_reads_nothing_of_it_and_only_responders_act(incident, staff, auditor, outsider):
    assert client(staff).get(url("breach", incident)).status_code == 403
    assert client(staff).post(url("breach-mark", incident), {}, format="json").status_code == 403
    assert client(auditor).get(url("breach", incident)).status_code == 200
    assert client(auditor).post(url("breach-mark", incident), {}, format="json").status_code == 403
    assert client(outsider).get(url("breach", incident)).status_code == 404
    assert client(outsider).post(url("breach-mark", incident), {}, format="json").status_code == 404
    assert not Incident.objects.get(pk=incident.pk).is_breach


@override_settings(NIS2_ENABLED=False)
def test_nis2_is_not_there_when_disabled(incident, manager):
    response = client(manager).post(url("breach-nis2-significant", incident), {}, format="json")
    assert response.status_code == 404
    assert client(manager).get(url("breach", incident)).json()["nis2"] is None


@override_settings(NIS2_ENABLED=True)
def test_nis2_clocks(incident, manager):
    api = client(manager)
    response = api.post(url("breach-nis2-significant", incident), {}, format="json")
    assert response.status_code == 200, response.json()
    nis2 = response.json()["nis2"]
    assert nis2["significant"] is True
    assert [report["report"] for report in nis2["reports"] if report["pending"]] == [
        "early_warning",
        "notification",
    ]
    response = api.post(
        url("breach-nis2-report", incident),
        {"report": "early_warning", "at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    pending = [report["report"] for report in response.json()["nis2"]["reports"] if report["pending"]]
    assert pending == ["notification"]
