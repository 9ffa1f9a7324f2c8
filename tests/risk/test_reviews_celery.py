"""End to end on a real Celery worker: the risk tick reminds an owner whose review is due today, by email."""

import pytest
from django.core import mail
from django.utils import timezone

from risk.models import RiskMatrix
from risk.tasks import tick
from tests.dpms.outbox_support import wait_until
from tests.risk.factories import RiskFactory, RiskMatrixFactory

pytestmark = pytest.mark.celery


def test_worker_tick_emails_the_owner_a_review_reminder(celery_worker):
    RiskMatrix.objects.filter(is_active=True).update(is_active=False)
    RiskMatrixFactory(is_active=True)
    risk = RiskFactory(next_review_on=timezone.localdate())  # owner in the default time zone

    tick.delay()

    assert wait_until(lambda: len(mail.outbox) >= 1, timeout=60)
    message = mail.outbox[0]
    assert message.to == [risk.owner.email]
    assert message.subject == "Risk reviews due (1 item)"
    assert f"{risk.reference} {risk.title}: review due today" in message.body
