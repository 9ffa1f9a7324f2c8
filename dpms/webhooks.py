"""Outgoing webhooks: what happened, POSTed as JSON to the addresses security officers configured.

``emit`` is called by the services that cause an event, inside their transaction, like ``dpms.notify``: it
writes one ``WebhookDelivery`` per subscribed webhook (unique per webhook and event id, so a repeated tick
never tells twice) and enqueues the deliveries after commit. ``dpms.webhook_delivery`` sends them (signed,
to checked public addresses only), retried with backoff until ``WEBHOOK_MAX_ATTEMPTS``; a webhook whose
deliveries fail for good ``WEBHOOK_DISABLE_AFTER_FAILURES`` times in a row is turned off. The outbox sweep
re-enqueues deliveries whose enqueue was lost.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dpms.models import Webhook, WebhookDelivery, WebhookDeliveryStatus
from dpms.tasks import enqueue_webhook_deliveries


def absolute_url(path: str) -> str:
    """A link for a receiver: the portal's public address (``SITE_URL``) and ``path``."""
    return f"{settings.SITE_URL}{path}"


# --- Emitting (inside the business transaction) -------------------------------------------------------------
def emit(event: str, data: dict, *, event_id: str | None = None) -> int:
    """Tell every enabled webhook subscribed to ``event``; returns how many deliveries were written. Pass a
    stable ``event_id`` where the caller may run twice (a tick), so the second call writes nothing."""
    event_id = event_id or uuid.uuid4().hex
    hooks = [hook for hook in Webhook.objects.filter(enabled=True) if event in hook.events]
    if not hooks:
        return 0
    payload = {"id": event_id, "event": event, "occurred_at": timezone.now().isoformat(), "data": data}
    rows = [WebhookDelivery(webhook=hook, event=event, event_id=event_id, payload=payload) for hook in hooks]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(lambda: _enqueue(event_id))
    return len(rows)


def _enqueue(event_id: str) -> None:
    ids = WebhookDelivery.objects.filter(event_id=event_id, status=WebhookDeliveryStatus.PENDING)
    enqueue_webhook_deliveries(list(ids.values_list("pk", flat=True)))
