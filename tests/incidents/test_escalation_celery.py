"""End to end on a real Celery worker: the incidents tick fires an escalation that has come due."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from incidents.choices import Status
from incidents.models import IncidentEscalation
from incidents.services.escalation import on_severity_set
from incidents.tasks import tick
from tests.dpms.outbox_support import wait_until
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.celery


def test_worker_tick_escalates_to_the_admins_by_email(celery_worker, security_officer, admin_user):
    started = timezone.now() - timedelta(minutes=20)
    incident = IncidentFactory(reported_at=started, noticed_at=started, status=Status.TRIAGED, severity=1)
    on_severity_set(incident=incident, now=started)  # level 1 fired then; level 2 was due 5 minutes ago

    tick.delay()

    assert wait_until(
        lambda: IncidentEscalation.objects.filter(incident=incident, position=2).exists(), timeout=60
    )
    assert wait_until(lambda: any(m.to == [admin_user.email] for m in mail.outbox), timeout=60)
    message = next(m for m in mail.outbox if m.to == [admin_user.email])
    assert (
        message.subject == f"Escalation: {incident.reference} (SEV1) not acknowledged 15 minutes after triage"
    )
    fire = IncidentEscalation.objects.get(incident=incident, position=2)
    assert fire.repeat == 0
    assert fire.recipients[0]["email"] == admin_user.email
