"""End to end on a real Celery worker: a tick after downtime catches up once: the owner's overdue digest
and the officers' escalation both go out, by email, and a second tick sends nothing more."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from access.models import Finding
from dpms.models import Notification, TickRun
from tests.access.factories import SystemFactory
from tests.dpms.outbox_support import wait_until
from tests.factories import UserFactory
from tests.vulnerabilities.factories import VulnerabilityFactory
from vulnerabilities.models import Vulnerability
from vulnerabilities.tasks import tick

pytestmark = pytest.mark.celery


def test_a_tick_after_downtime_catches_up_once(celery_worker):
    officer = UserFactory(full_name="Olga Officer", roles=["security officer"])
    owner = UserFactory(full_name="Olivia Owner")
    system = SystemFactory(name="Payroll", owner=owner)
    # The tick was down for ten days: past the owner's step and the officers' (three days later) alike.
    vulnerability = VulnerabilityFactory(
        system=system, status="triaged", due_at=timezone.now() - datetime.timedelta(days=10)
    )

    tick.delay()
    assert wait_until(lambda: len(mail.outbox) >= 2, timeout=60)
    assert sorted(message.to[0] for message in mail.outbox) == sorted([owner.email, officer.email])
    assert all(vulnerability.reference in message.body for message in mail.outbox)
    assert Finding.objects.filter(system=system, resolved_at__isnull=True).count() == 1
    assert wait_until(
        lambda: Vulnerability.objects.get(pk=vulnerability.pk).escalation_level == 2, timeout=30
    )

    def last_run():
        run = TickRun.objects.filter(name=tick.name).first()
        return run and run.last_run_at

    assert wait_until(lambda: last_run() is not None, timeout=30)
    first_run = last_run()
    tick.delay()
    assert wait_until(lambda: last_run() != first_run, timeout=60)  # the second tick has run
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2
