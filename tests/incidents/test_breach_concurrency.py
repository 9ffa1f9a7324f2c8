"""Several workers running the tick at the same minute send each clock reminder once (real row locks and
skip_locked: PostgreSQL)."""

import threading

import pytest
from django.db import connection

from dpms.models import Notification
from incidents.services.breach import remind_clocks
from tests.incidents.breach_support import after, make_breach

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 6


def test_concurrent_ticks_send_each_reminder_once(requires_postgres, security_officer):
    incidents = [make_breach(security_officer) for _ in range(4)]
    barrier = threading.Barrier(WORKERS)
    sent, errors = [], []

    def tick():
        try:
            barrier.wait()
            sent.append(remind_clocks(now=after(48)))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == len(incidents)
    reminders = Notification.objects.filter(
        recipient=security_officer, dedup_key__contains=":breach-clock:48"
    )
    assert reminders.count() == len(incidents)
