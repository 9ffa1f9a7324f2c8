"""Shared by the webhook tests: a webhook made through the service (the receiver fixture is in conftest)."""

from dpms import services
from dpms.models import WebhookEvent


def hook_for(actor, url, events=(WebhookEvent.INCIDENT_REPORTED,), name="SIEM"):
    return services.webhook_create(actor=actor, name=name, url=url, events=list(events))
