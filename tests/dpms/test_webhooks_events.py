"""The services tell the webhooks what happened: an incident reported, its severity raised, a breach clock
started, a campaign launched and closed (each written in the change's own transaction, once)."""

import datetime

import pytest
from django.utils import timezone

from dpms.models import WebhookDelivery, WebhookEvent
from incidents.choices import Category
from incidents.services.reporting import incident_report
from tests.dpms.webhook_support import hook_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def everything(settings, security_officer):
    settings.DEBUG = True
    settings.WEBHOOK_ALLOW_PRIVATE = True
    return hook_for(security_officer, "http://127.0.0.1:9/hook", events=list(WebhookEvent.values))


def _payloads(event):
    return [d.payload for d in WebhookDelivery.objects.filter(event=event)]


def test_a_reported_incident_is_told(everything, staff):
    incident = incident_report(
        actor=staff,
        title="Phishing mail",
        description="A mail asked for my password.",
        category=Category.PHISHING,
        noticed_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    [payload] = _payloads(WebhookEvent.INCIDENT_REPORTED)
    assert payload["data"]["reference"] == incident.reference
    assert payload["data"]["url"].endswith(f"/incidents/{incident.pk}/")
    assert "description" not in payload["data"]


def test_a_raised_severity_is_told_and_a_lowered_one_is_not(everything, security_officer):
    from incidents.choices import Severity, Status
    from incidents.services.workflow import incident_set_severity
    from tests.incidents.factories import IncidentFactory

    incident = IncidentFactory(status=Status.TRIAGED, severity=Severity.SEV3, handler=security_officer)
    incident_set_severity(actor=security_officer, incident=incident, severity=Severity.SEV1)
    incident_set_severity(actor=security_officer, incident=incident, severity=Severity.SEV2)
    [payload] = _payloads(WebhookEvent.INCIDENT_SEVERITY_RAISED)
    assert (payload["data"]["severity"], payload["data"]["severity_before"]) == (1, 3)


def test_a_breach_clock_start_is_told(everything, security_officer):
    from tests.incidents.breach_support import make_breach

    incident = make_breach(security_officer)
    [payload] = _payloads(WebhookEvent.BREACH_CLOCK_STARTED)
    assert payload["data"]["reference"] == incident.reference
    assert payload["data"]["authority_deadline"].startswith("2026-10-26T10:00")
