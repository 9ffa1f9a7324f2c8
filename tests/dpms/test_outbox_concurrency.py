"""Two workers sending the same outbox row at once: PostgreSQL row locks make exactly one of them win."""

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from dpms.models import OutboxEmail, OutboxStatus
from dpms.tasks import claim, send_outbox_email, send_outbox_emails
from tests.concurrency import same_call_at_once, start_at_once
from tests.dpms.outbox_support import wait_until
from tests.factories import OutboxEmailFactory

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")


def blocked_on_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view is frozen for our transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_second_claim_waits_for_the_first_and_then_finds_the_row_taken():
    message = OutboxEmailFactory()
    now = timezone.now()
    with transaction.atomic():
        assert claim(message.pk, now)
        second = start_at_once(lambda: claim(message.pk, now))
        # The second UPDATE is now waiting on the first one's row lock, not reading a stale 'pending'.
        assert wait_until(blocked_on_a_row_lock)
    assert second.wait() == [False]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENDING, 1)


def test_concurrent_sends_of_one_message_send_one_email():
    message = OutboxEmailFactory()
    # The task body, run directly in four threads at once.
    results = same_call_at_once(lambda: send_outbox_email(message.pk), 4)
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)


def test_concurrent_batches_of_the_same_emails_send_each_once():
    ids = [message.pk for message in OutboxEmailFactory.create_batch(5)]
    # The batch task body, run directly in three threads at once: each row is claimed by one of them.
    results = same_call_at_once(lambda: send_outbox_emails(ids), 3)
    assert sorted(result for batch in results for result in batch) == ["sent"] * 5 + ["skipped"] * 10
    assert sorted(m.to[0] for m in mail.outbox) == sorted(OutboxEmail.objects.values_list("to", flat=True))
    assert set(OutboxEmail.objects.values_list("status", "attempts")) == {(OutboxStatus.SENT, 1)}
