"""The email outbox through a real worker: sent once, retried with a limit, never lost."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from dpms import enqueue, notify, queries
from dpms.models import OutboxEmail, OutboxStatus
from dpms.tasks import outbox_sweep, send_outbox_email
from tests.dpms.outbox_support import FOREVER, finished_tasks, flaky_mail, runs_of, wait_until
from tests.factories import OutboxEmailFactory

SEND = "dpms.tasks.send_outbox_email"
SWEEP = "dpms.tasks.outbox_sweep"


@pytest.fixture
def fast_retries(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0
    settings.OUTBOX_MAX_ATTEMPTS = 3


def write_email(key="welcome:1", **fields):
    fields = {"to": "sam@example.com", "subject": "Welcome", "body": "Hello Sam", **fields}
    with transaction.atomic():
        return notify.email(dedup_key=key, **fields)


def status_of(message):
    message.refresh_from_db()
    return message.status


def test_message_goes_out_once_when_the_send_task_runs_twice(celery_worker):
    with finished_tasks() as runs:
        message = write_email()  # the commit enqueues the first send
        send_outbox_email.delay(message.pk)
        assert wait_until(lambda: len(runs_of(runs, SEND, message.pk)) == 2)
    assert sorted(runs_of(runs, SEND, message.pk)) == ["sent", "skipped"]
    assert [m.to for m in mail.outbox] == [["sam@example.com"]]
    assert mail.outbox[0].subject == "Welcome"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)


def test_failed_send_is_retried_and_then_sent(celery_worker, settings, fast_retries):
    flaky_mail(settings, failures=2)
    message = write_email()
    assert wait_until(lambda: status_of(message) == OutboxStatus.SENT)
    assert (message.attempts, message.last_error) == (3, "")
    assert len(mail.outbox) == 1


def test_permanently_failing_send_stops_at_max_attempts_and_is_marked_failed(
    celery_worker, settings, fast_retries
):
    flaky_mail(settings, failures=FOREVER)
    with finished_tasks() as runs:
        message = write_email()
        assert wait_until(lambda: status_of(message) == OutboxStatus.FAILED)
        assert message.attempts == 3
        assert "SMTPServerDisconnected" in message.last_error
        # A failed message is not sent again by the sweep either.
        outbox_sweep.delay()
        assert wait_until(lambda: runs_of(runs, SWEEP))
    assert runs_of(runs, SWEEP) == [0]
    assert runs_of(runs, SEND, message.pk) == ["retry", "retry", "failed"]
    assert mail.outbox == []


def test_refused_recipient_is_not_retried(celery_worker, settings, fast_retries):
    refused = smtplib.SMTPRecipientsRefused({"sam@example.com": (550, b"No such user")})
    flaky_mail(settings, failures=FOREVER, error=refused)
    message = write_email()
    assert wait_until(lambda: status_of(message) == OutboxStatus.FAILED)
    assert message.attempts == 1
    assert "No such user" in message.last_error


def test_lost_enqueue_is_picked_up_by_the_sweep(celery_worker, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(send_outbox_email, "apply_async", broker_down)
    monkeypatch.setattr(enqueue, "PAUSE_AFTER_FAILURE", 0.0)  # the sweep below may try the broker at once
    message = write_email()  # committed; the enqueue after commit fails quietly
    assert status_of(message) == OutboxStatus.PENDING
    monkeypatch.undo()  # the broker is back
    outbox_sweep.delay()
    assert wait_until(lambda: status_of(message) == OutboxStatus.SENT)
    assert [m.to for m in mail.outbox] == [["sam@example.com"]]


def test_retry_that_cannot_be_enqueued_stays_pending_for_the_sweep(
    celery_worker, settings, fast_retries, monkeypatch
):
    flaky_mail(settings, failures=1)
    real_apply_async = send_outbox_email.apply_async

    def broker_refuses_retries(*args, **kwargs):
        if kwargs.get("countdown") is not None:  # only the retry after a failure has a countdown
            raise OperationalError("Connection refused.")
        return real_apply_async(*args, **kwargs)

    monkeypatch.setattr(send_outbox_email, "apply_async", broker_refuses_retries)
    monkeypatch.setattr(enqueue, "PAUSE_AFTER_FAILURE", 0.0)  # the sweep below may try the broker at once
    with finished_tasks() as runs:
        message = write_email()
        assert wait_until(lambda: runs_of(runs, SEND, message.pk) == ["retry"])
    assert (status_of(message), message.attempts) == (OutboxStatus.PENDING, 1)
    outbox_sweep.delay()
    assert wait_until(lambda: status_of(message) == OutboxStatus.SENT)
    assert message.attempts == 2
    assert len(mail.outbox) == 1


def claimed_long_ago(**fields):
    """A row a worker claimed and then died on, before the claim went stale."""
    long_ago = timezone.now() - queries.CLAIM_STALE_AFTER - timedelta(minutes=1)
    return OutboxEmailFactory(status=OutboxStatus.SENDING, claimed_at=long_ago, **fields)


def test_message_claimed_by_a_worker_that_died_is_sent_by_the_sweep(celery_worker):
    message = claimed_long_ago(attempts=1)
    outbox_sweep.delay()
    assert wait_until(lambda: status_of(message) == OutboxStatus.SENT)
    assert message.attempts == 2
    assert [m.to for m in mail.outbox] == [[message.to]]


def test_sweep_gives_up_on_a_dead_claim_that_used_the_last_attempt(celery_worker, settings):
    message = claimed_long_ago(attempts=settings.OUTBOX_MAX_ATTEMPTS)
    with finished_tasks() as runs:
        outbox_sweep.delay()
        assert wait_until(lambda: runs_of(runs, SWEEP))
    assert status_of(message) == OutboxStatus.FAILED
    assert "may or may not have gone out" in message.last_error
    assert mail.outbox == []


# --- Writing the row: in the business transaction, enqueued only after commit ------------------------


@pytest.fixture
def enqueued(monkeypatch):
    """The ids handed to the broker (recorded, not sent: these tests run without a worker)."""
    ids = []
    monkeypatch.setattr(send_outbox_email, "apply_async", lambda args, **options: ids.append(*args))
    return ids


def test_email_is_enqueued_only_when_the_transaction_commits(transactional_db, enqueued):
    with transaction.atomic():
        message = notify.email(to="sam@example.com", subject="Hi", body="Hello", dedup_key="hi:1")
        assert enqueued == []
    assert enqueued == [message.pk]


@transaction.atomic
def email_then_fail():
    notify.email(to="sam@example.com", subject="Hi", body="Hello", dedup_key="hi:1")
    raise RuntimeError("the business change failed after writing the email")


def test_rolled_back_email_leaves_no_row_and_no_task(transactional_db, enqueued):
    with pytest.raises(RuntimeError):
        email_then_fail()
    assert enqueued == []
    assert not OutboxEmail.objects.exists()


def test_same_dedup_key_writes_one_row_and_enqueues_once(transactional_db, enqueued):
    first = write_email(key="reminder:7:2026-11-28")
    again = write_email(key="reminder:7:2026-11-28")
    assert again is None
    assert enqueued == [first.pk]
    assert OutboxEmail.objects.count() == 1


def test_subject_with_a_line_break_is_kept_on_one_line(transactional_db, enqueued):
    message = write_email(subject="Review due\nBcc: everyone@example.com")
    assert message.subject == "Review due Bcc: everyone@example.com"
