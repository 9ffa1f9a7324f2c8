"""Emails written together go out in batches through a real worker: each once, a failure retried alone."""

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from django.db import transaction
from kombu.exceptions import OperationalError

from dpms import enqueue
from dpms.models import OutboxEmail, OutboxStatus
from dpms.notify import Message, notify_many
from dpms.tasks import SEND_BATCH, enqueue_batches, outbox_sweep, send_outbox_emails
from tests.dpms.outbox_support import finished_tasks, flaky_mail, runs_of, wait_until
from tests.factories import UserFactory

SEND = "dpms.tasks.send_outbox_email"
BATCH = "dpms.tasks.send_outbox_emails"


class CountingEmailBackend(LocmemEmailBackend):
    """Django's locmem backend, counting the connections opened (the worker thread shares the class)."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return super().open()


@pytest.fixture
def fast_retries(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0
    settings.OUTBOX_MAX_ATTEMPTS = 3


def write_digests(people=4) -> list[int]:
    """A tick's digests to ``people`` people, committed: their outbox ids, in the order written."""
    messages = [
        Message(recipient=person, subject="Reviews due", body="Please decide", link="", dedup_key=f"d:{n}")
        for n, person in enumerate(UserFactory.create_batch(people))
    ]
    with transaction.atomic():
        assert notify_many(messages) == people
    return list(OutboxEmail.objects.order_by("pk").values_list("pk", flat=True))


def all_sent() -> bool:
    return not OutboxEmail.objects.exclude(status=OutboxStatus.SENT).exists()


def test_digests_go_out_in_one_batch_each_once_over_one_connection(celery_worker, settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingEmailBackend"
    CountingEmailBackend.opened = 0
    with finished_tasks() as runs:
        ids = write_digests(4)  # the commit enqueues one batch
        assert wait_until(lambda: runs_of(runs, BATCH, ids))
    assert runs_of(runs, BATCH, ids) == [["sent"] * 4]
    assert runs_of(runs, SEND, ids[0]) == []  # no task per email
    assert all_sent()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(OutboxEmail.objects.values_list("to", flat=True))
    assert CountingEmailBackend.opened == 1


def test_a_failing_email_in_a_batch_is_retried_alone_and_the_others_are_marked_sent(
    celery_worker, settings, fast_retries
):
    flaky_mail(settings, failures=1)  # the first send of the batch fails once
    with finished_tasks() as runs:
        ids = write_digests(4)
        assert wait_until(lambda: runs_of(runs, SEND, ids[0]))
    assert runs_of(runs, BATCH, ids) == [["retry", "sent", "sent", "sent"]]
    assert runs_of(runs, SEND, ids[0]) == ["sent"]
    assert dict(OutboxEmail.objects.values_list("pk", "attempts")) == {ids[0]: 2, **dict.fromkeys(ids[1:], 1)}
    assert all_sent()
    assert len(mail.outbox) == 4


def test_a_batch_run_again_sends_nothing_twice(celery_worker):
    with finished_tasks() as runs:
        ids = write_digests(3)
        assert wait_until(all_sent)
        send_outbox_emails.delay(ids)
        assert wait_until(lambda: len(runs_of(runs, BATCH, ids)) == 2)
    assert runs_of(runs, BATCH, ids) == [["sent"] * 3, ["skipped"] * 3]
    assert len(mail.outbox) == 3


def test_a_batch_the_broker_refused_is_sent_by_the_sweep(celery_worker, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(send_outbox_emails, "apply_async", broker_down)
    monkeypatch.setattr(enqueue, "PAUSE_AFTER_FAILURE", 0.0)  # the sweep below may try the broker at once
    write_digests(3)  # committed; the enqueue after commit fails quietly
    assert OutboxEmail.objects.filter(status=OutboxStatus.PENDING).count() == 3
    monkeypatch.undo()  # the broker is back
    outbox_sweep.delay()
    assert wait_until(all_sent)
    assert len(mail.outbox) == 3


def test_a_batch_out_of_time_hands_the_rest_to_a_new_batch(celery_worker, settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 0  # every batch is out of time after its first email
    with finished_tasks() as runs:
        ids = write_digests(3)
        assert wait_until(all_sent)
        assert wait_until(lambda: runs_of(runs, BATCH, ids[2:]))
    assert runs_of(runs, BATCH, ids) == [["sent", "later", "later"]]
    assert runs_of(runs, BATCH, ids[1:]) == [["sent", "later"]]
    assert runs_of(runs, BATCH, ids[2:]) == [["sent"]]
    assert len(mail.outbox) == 3


def test_emails_are_enqueued_a_hundred_to_a_task(monkeypatch):
    batches = []
    monkeypatch.setattr(send_outbox_emails, "apply_async", lambda args, **options: batches.extend(args))
    enqueue_batches(range(1, 2 * SEND_BATCH + 51))
    assert [len(batch) for batch in batches] == [SEND_BATCH, SEND_BATCH, 50]
    assert [pk for batch in batches for pk in batch] == list(range(1, 2 * SEND_BATCH + 51))
