"""End to end on a real Celery worker: the incidents tick emails an owner their overdue follow-up actions."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from guardian.shortcuts import assign_perm

from incidents.choices import Status
from incidents.tasks import tick
from tests.dpms.outbox_support import wait_until
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import FollowUpActionFactory

pytestmark = pytest.mark.celery


def test_worker_tick_emails_the_owner_an_overdue_digest(celery_worker):
    reporter, officer = UserFactory(), UserFactory(roles=["security officer"])
    owner = UserFactory(email="ivan.it@example.com")
    incident = incident_at(Status.CLOSED, reporter=reporter, handler=officer)
    assign_perm("incidents.view_confidential_incident", owner, incident)  # as followup_create does
    FollowUpActionFactory(
        incident=incident,
        owner=owner,
        title="Block the sender domain",
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )

    tick.delay()

    assert wait_until(lambda: any(message.to == [owner.email] for message in mail.outbox), timeout=60)
    [message] = [message for message in mail.outbox if message.to == [owner.email]]
    assert message.subject == "Overdue incident follow-up actions (1 item)"
    assert f"{incident.reference}: Block the sender domain" in message.body
