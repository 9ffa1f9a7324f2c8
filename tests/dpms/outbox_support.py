"""Helpers for tests that run the outbox through a real worker: a mail backend that fails on purpose, a
bounded wait for an asynchronous effect, and a record of the tasks the worker finished."""

import smtplib
import time
from contextlib import contextmanager

from celery.signals import task_postrun
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend

FOREVER = 10**6


class FlakyEmailBackend(LocmemEmailBackend):
    """Django's locmem backend, except that the next ``failures`` sends raise ``error``. Set through
    ``flaky_mail``; the worker thread shares the process, so it sees the same class attributes."""

    failures = 0
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def send_messages(self, email_messages):
        cls = type(self)
        if cls.failures > 0:
            cls.failures -= 1
            raise cls.error
        return super().send_messages(email_messages)


def flaky_mail(settings, *, failures: int, error: Exception | None = None) -> None:
    """Make the next ``failures`` sends fail (``FOREVER`` for a server that never recovers)."""
    settings.EMAIL_BACKEND = f"{__name__}.FlakyEmailBackend"
    FlakyEmailBackend.failures = failures
    FlakyEmailBackend.error = error or smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def wait_until(condition, *, timeout: float = 20.0, interval: float = 0.1) -> bool:
    """Poll ``condition`` until true or until ``timeout`` seconds have passed: a bounded wait."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


@contextmanager
def finished_tasks():
    """Yields a list that fills with ``(task name, args, return value)`` as the worker finishes tasks."""
    runs = []

    def record(task=None, args=None, retval=None, **kwargs):
        runs.append((task.name, tuple(args or ()), retval))

    task_postrun.connect(record, weak=False)
    try:
        yield runs
    finally:
        task_postrun.disconnect(record)


def runs_of(runs, name: str, *args) -> list:
    """The return values of the finished runs of task ``name`` with these arguments, in order."""
    return [retval for task, task_args, retval in list(runs) if task == name and task_args == args]
