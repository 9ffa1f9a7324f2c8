"""Sending the email outbox: claim a row, send it outside any transaction, mark it sent; retry with backoff."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone

from dpms.models import OutboxEmail, OutboxStatus
from dpms.notify import pending_for_sweep

log = logging.getLogger(__name__)
CLAIM_STALE_AFTER = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def claim(message_id: int, now) -> bool:
    """Atomically move one due row to 'sending'. Only one caller wins, so a message is never sent twice."""
    claimable = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER
    )
    return bool(
        OutboxEmail.objects.filter(claimable, pk=message_id).update(
            status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


@shared_task(name="dpms.tasks.send_outbox_email", ignore_result=True)
def send_outbox_email(message_id: int) -> str:
    """Send one outbox email once. Failures are retried by rescheduling the row, up to OUTBOX_MAX_ATTEMPTS."""
    now = timezone.now()
    if not claim(message_id, now):
        return "skipped"
    message = OutboxEmail.objects.get(pk=message_id)
    try:
        EmailMessage(
            subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to]
        ).send()
    except Exception as exc:  # noqa: BLE001 - any transport error is retried, then given up and kept
        log.warning("Outbox email %s failed (attempt %s): %s", message_id, message.attempts, exc)
        final = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        OutboxEmail.objects.filter(pk=message_id, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.FAILED if final else OutboxStatus.PENDING,
            last_error=str(exc)[:2000],
            next_attempt_at=now + backoff(message.attempts),
            claimed_at=None,
        )
        if not final:
            send_outbox_email.apply_async((message_id,), countdown=backoff(message.attempts).total_seconds())
        return "failed" if final else "retry"
    OutboxEmail.objects.filter(pk=message_id).update(status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


@shared_task(name="dpms.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """Periodic: enqueue due rows whose enqueue was lost (broker down, crash after commit) or stuck."""
    ids = list(pending_for_sweep(timezone.now(), CLAIM_STALE_AFTER).values_list("pk", flat=True)[:500])
    for message_id in ids:
        send_outbox_email.delay(message_id)
    return len(ids)
