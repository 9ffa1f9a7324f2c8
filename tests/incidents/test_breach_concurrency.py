"""Several workers running the tick at the same minute send each clock reminder once (real row locks and
skip_locked: PostgreSQL)."""

import pytest

from dpms.models import Notification
from incidents.services.breach import remind_clocks
from tests.concurrency import same_call_at_once
from tests.incidents.breach_support import after, make_breach

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 6


def test_concurrent_ticks_send_each_reminder_once(requires_postgres, security_officer):
    incidents = [make_breach(security_officer) for _ in range(4)]
    sent = same_call_at_once(lambda: remind_clocks(now=after(48)), WORKERS)  # raises if any of them failed
    assert sum(sent) == len(incidents)
    reminders = Notification.objects.filter(
        recipient=security_officer, dedup_key__contains=":breach-clock:48"
    )
    assert reminders.count() == len(incidents)
