"""Sending the email outbox: claim a row, send it outside any transaction, mark it sent; retry with backoff.

Emails written together (a tick's digests) are sent in batches: ``send_outbox_emails`` takes up to
``SEND_BATCH`` ids, one broker message and one mail connection for all of them, and treats each row exactly
as ``send_outbox_email`` treats its one: claimed on its own, marked sent on its own, and on a failure
retried alone (by ``send_outbox_email``) while the rest of the batch goes on. A batch that has run for half
the task's soft time limit hands what is left to a new batch, so a slow mail server never gets one killed.

A message is tried at most ``OUTBOX_MAX_ATTEMPTS`` times. A refusal the mail server will repeat (a 5xx
reply, every recipient refused for good, a malformed message) ends it at once. Between attempts the row is
``pending`` with ``next_attempt_at`` in the future: the retry task is enqueued with that countdown, and if
the broker refuses even that, the sweep finds the row when it falls due. Nothing is lost, nothing is sent
twice (short of a worker dying between the SMTP reply and marking the row sent).
"""

import contextlib
import logging
import smtplib
import time
from collections.abc import Sequence
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F
from django.utils import timezone

from dpms import webhook_delivery
from dpms.enqueue import enqueue
from dpms.models import OutboxEmail, OutboxStatus, WebhookDelivery
from dpms.queries import claimable, pending_for_sweep, stale_claims

log = logging.getLogger(__name__)
SWEEP_BATCH = 500  # rows enqueued per sweep; the next sweep takes the rest
SEND_BATCH = 100  # rows per send_outbox_emails task


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: base, 2×base, 4×base ... at most an hour."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 3600))


def is_permanent(exc: Exception) -> bool:
    """Whether the mail server (or the message itself) will fail the same way however often we try."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # Each refused recipient has its own reply; 4xx (mailbox busy, greylisting) is worth another try.
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False  # our credentials, not the message: an operator fixes them and the retries go through
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return isinstance(exc, ValueError)  # a malformed message (BadHeaderError is a ValueError) stays malformed


def claim(message_id: int, now) -> bool:
    """Atomically move one due row to 'sending' and count the attempt. Only one caller wins.

    It is a single conditional UPDATE. On PostgreSQL a second, concurrent UPDATE of the row waits for the
    first one's row lock and then re-checks its WHERE clause against the committed row, which is 'sending'
    by then, so it matches nothing; SQLite serialises writers. A claim left by a worker that died goes stale
    after ``dpms.queries.CLAIM_STALE_AFTER`` and may be taken again, while attempts remain.
    """
    claimed = OutboxEmail.objects.filter(claimable(now), pk=message_id).update(
        status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


class _Mailer:
    """One mail connection for the emails of a task, opened at the first send, and opened anew after a
    failure (the server may have dropped it)."""

    def __init__(self):
        self.connection = None

    def send(self, message: OutboxEmail) -> None:
        if self.connection is None:
            self.connection = get_connection()
            self.connection.open()
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            connection=self.connection,
        ).send()

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            # The emails are sent or recorded as failed by now: a connection that will not close cleanly
            # (the server hung up after a failure) changes nothing about them.
            with contextlib.suppress(Exception):
                connection.close()


def _send(message_id: int, mailer: _Mailer) -> str:
    """Claim one row, send it, mark it sent; a failure reschedules it (see the module docstring)."""
    if not claim(message_id, timezone.now()):
        return "skipped"  # sent, failed, not due yet, or another worker has it
    message = OutboxEmail.objects.get(pk=message_id)
    try:
        mailer.send(message)
    except Exception as exc:  # noqa: BLE001 - any transport error is recorded; is_permanent decides the rest
        mailer.close()
        return _record_failure(message, exc)
    sent = {"status": OutboxStatus.SENT, "sent_at": timezone.now(), "last_error": ""}
    OutboxEmail.objects.filter(pk=message_id).update(**sent)
    return "sent"


@shared_task(name="dpms.tasks.send_outbox_email", ignore_result=True)
def send_outbox_email(message_id: int) -> str:
    """Send one outbox email once; a failure reschedules the row (see the module docstring)."""
    mailer = _Mailer()
    try:
        return _send(message_id, mailer)
    finally:
        mailer.close()


@shared_task(name="dpms.tasks.send_outbox_emails", ignore_result=True)
def send_outbox_emails(message_ids: list[int]) -> list[str]:
    """Send a batch of outbox emails over one mail connection, each once (see the module docstring).
    Returns what became of each: ``sent``, ``skipped``, ``retry``, ``failed``, or ``later`` when the batch
    ran out of time and handed it to the next one."""
    budget = settings.CELERY_TASK_SOFT_TIME_LIMIT / 2
    started = time.monotonic()
    mailer = _Mailer()
    results: list[str] = []
    try:
        for done, message_id in enumerate(message_ids):
            if done and time.monotonic() - started > budget:
                rest = list(message_ids[done:])
                enqueue_batches(rest)
                return results + ["later"] * len(rest)
            results.append(_send(message_id, mailer))
    finally:
        mailer.close()
    return results


def enqueue_batches(message_ids: Sequence[int]) -> None:
    """Hand ``message_ids`` to the workers, ``SEND_BATCH`` to a ``send_outbox_emails`` task. Called after
    commit: a broker error here must not fail work already committed, and loses nothing (the rows stay
    pending, and the sweep sends them)."""
    for start in range(0, len(message_ids), SEND_BATCH):
        # One attempt each (dpms.enqueue): broker down, the rows stay pending and due, the sweep sends them.
        enqueue(send_outbox_emails, [list(message_ids[start : start + SEND_BATCH])])


def _record_failure(message: OutboxEmail, exc: Exception) -> str:
    final = is_permanent(exc) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    wait = backoff(message.attempts)
    OutboxEmail.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.FAILED if final else OutboxStatus.PENDING,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
        next_attempt_at=timezone.now() + wait,
        claimed_at=None,
    )
    if final:
        log.error("Outbox email %s failed for good, attempt %s: %r", message.pk, message.attempts, exc)
        return "failed"
    log.warning(
        "Outbox email %s failed, attempt %s, retry in %s: %r", message.pk, message.attempts, wait, exc
    )
    # Enqueued after next_attempt_at was written, with the same wait, so the retry finds the row due; broker
    # down, the row is pending and due later, and the sweep sends it.
    enqueue(send_outbox_email, [message.pk], countdown=wait.total_seconds())
    return "retry"


@shared_task(name="dpms.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """Periodic: enqueue due rows whose enqueue was lost (broker down, crash after commit) or whose claim
    went stale; give up on stale claims that have used every attempt. Returns how many were enqueued."""
    now = timezone.now()
    stale_claims(now).filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=OutboxStatus.FAILED,
        claimed_at=None,
        last_error="The worker stopped while sending the last attempt; it may or may not have gone out.",
    )
    ids = list(pending_for_sweep(now).values_list("pk", flat=True)[:SWEEP_BATCH])
    enqueue_batches(ids)
    return len(ids) + sweep_webhook_deliveries(now)


def sweep_webhook_deliveries(now) -> int:
    """The same for webhook deliveries: due ones whose enqueue was lost, or whose claim went stale."""
    ids = webhook_delivery.due_for_sweep(now, SWEEP_BATCH)
    enqueue_webhook_deliveries(ids)
    return len(ids)


def enqueue_webhook_deliveries(ids, *, countdown: float = 0) -> None:
    """Hand webhook deliveries to the workers (after commit). A broker that does not answer loses nothing:
    the rows stay pending and the sweep enqueues them."""
    for delivery_id in ids:
        enqueue(deliver_webhook, [delivery_id], countdown=countdown or None)


@shared_task(name="dpms.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: int) -> str:
    """Deliver one webhook event once; a failure is retried after its backoff (``dpms.webhook_delivery``)."""
    result = webhook_delivery.deliver(delivery_id)
    if result == "retry":
        attempts = (
            WebhookDelivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 1
        )
        wait = webhook_delivery.backoff(attempts).total_seconds()
        enqueue_webhook_deliveries([delivery_id], countdown=wait)
    return result
