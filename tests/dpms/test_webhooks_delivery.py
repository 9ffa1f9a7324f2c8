"""Webhooks delivered through a real worker and broker to a real HTTP receiver: signed, once, retried with
backoff after a failure, and turned off after failing for good again and again."""

import time

import pytest

from dpms import webhook_delivery, webhooks
from dpms.models import AuditEvent, Webhook, WebhookDelivery, WebhookDeliveryStatus, WebhookEvent
from tests.dpms.outbox_support import wait_until
from tests.dpms.webhook_support import hook_for

pytestmark = pytest.mark.celery

EVENT = WebhookEvent.INCIDENT_REPORTED


def _emit(data=None, event_id=None):
    from django.db import transaction

    with transaction.atomic():
        return webhooks.emit(EVENT, data or {"reference": "INC-2026-0001"}, event_id=event_id)


def test_an_event_is_posted_once_signed_with_the_webhooks_secret(celery_worker, receiver, security_officer):
    hook = hook_for(security_officer, receiver.url)
    _emit({"reference": "INC-2026-0042"}, event_id="evt-1")
    assert wait_until(lambda: WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.DELIVERED).exists())
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.json["event"] == EVENT
    assert request.json["id"] == "evt-1"
    assert request.json["data"] == {"reference": "INC-2026-0042"}
    timestamp = int(request.headers["X-DPMS-Timestamp"])
    assert webhook_delivery.signature_valid(
        hook.secret, timestamp, request.body, request.headers["X-DPMS-Signature"]
    )
    assert not webhook_delivery.signature_valid(
        "another secret", timestamp, request.body, request.headers["X-DPMS-Signature"]
    )
    assert request.headers["X-DPMS-Event"] == EVENT
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.response_status) == (1, 200)


def test_the_same_event_twice_is_delivered_once(celery_worker, receiver, security_officer):
    hook_for(security_officer, receiver.url)
    assert _emit(event_id="evt-twice") == 1
    _emit(event_id="evt-twice")  # a tick that ran twice
    assert wait_until(lambda: WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.DELIVERED).exists())
    time.sleep(0.3)
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.count() == 1


def test_a_failed_delivery_is_retried_after_its_backoff(celery_worker, receiver, security_officer, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1
    hook_for(security_officer, receiver.url)
    receiver.statuses = [503]
    _emit()
    assert wait_until(lambda: WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.DELIVERED).exists())
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2
    assert [r.json["id"] for r in receiver.requests] == [delivery.event_id] * 2
    assert Webhook.objects.get().failures_in_a_row == 0


def test_a_webhook_failing_for_good_again_and_again_is_turned_off(
    celery_worker, receiver, security_officer, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 2
    hook = hook_for(security_officer, receiver.url)
    receiver.statuses = [500, 500]
    _emit(event_id="a")
    assert wait_until(
        lambda: WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.FAILED).count() == 1
    )
    _emit(event_id="b")
    assert wait_until(
        lambda: WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.FAILED).count() == 2
    )
    hook.refresh_from_db()
    assert not hook.enabled
    assert "2 failed deliveries" in hook.disabled_reason
    assert AuditEvent.objects.filter(action="webhooks.webhook.disabled", object_id=str(hook.pk)).exists()
    assert _emit(event_id="c") == 0  # a webhook that is off is told nothing


def test_a_webhook_not_subscribed_to_the_event_is_told_nothing(celery_worker, receiver, security_officer):
    hook_for(security_officer, receiver.url, events=[WebhookEvent.CAMPAIGN_CLOSED])
    assert _emit() == 0
    assert not WebhookDelivery.objects.exists()
