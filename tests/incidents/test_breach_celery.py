"""End to end on a real Celery worker: the incidents tick emails the 24-hour reminder of a breach clock."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from incidents.tasks import tick
from tests.dpms.outbox_support import wait_until
from tests.incidents.breach_support import make_breach

pytestmark = pytest.mark.celery


def test_worker_tick_emails_the_24_hour_reminder(celery_worker, security_officer):
    incident = make_breach(security_officer, aware=timezone.now() - datetime.timedelta(hours=25))
    mail.outbox.clear()

    tick.delay()

    assert wait_until(lambda: any("24 hours of 72" in m.subject for m in mail.outbox), timeout=60)
    message = next(m for m in mail.outbox if "24 hours of 72" in m.subject)
    assert message.to == [security_officer.email]
    assert message.subject.startswith(f"{incident.reference}: 24 hours of 72 elapsed")
