"""On a real Celery worker: the access tick claims the reviewers due, and its send tasks write their digests,
each in its reader's language."""

import pytest
from django.core import mail

from access.models import ReminderClaim
from access.tasks import tick
from dpms.models import Notification
from tests.access.closing_support import campaign_with_items
from tests.dpms.outbox_support import wait_until
from tests.factories import UserFactory

pytestmark = pytest.mark.celery


def test_the_worker_tick_reminds_every_reviewer_once_in_their_language(celery_worker, monkeypatch):
    monkeypatch.setattr("access.services.reminders.CLAIM_BATCH", 2)  # three send tasks
    english = UserFactory()
    german = UserFactory(language="de")
    campaign = campaign_with_items(2, reviewer=english)
    campaign_with_items(3, reviewer=german, campaign=campaign)
    for _ in range(3):
        campaign_with_items(1, reviewer=UserFactory(), campaign=campaign)

    tick.delay()

    def all_told():
        return Notification.objects.filter(dedup_key__startswith="access-reminder:").count() == 5

    assert wait_until(all_told, timeout=60)
    assert wait_until(lambda: len(mail.outbox) == 5, timeout=60)
    assert not ReminderClaim.objects.exists()
    assert Notification.objects.get(recipient=english).subject == (
        f"Access review “{campaign.name}”: The review has started (2 items)"
    )
    assert Notification.objects.get(recipient=german).subject == (
        f"Zugriffsrezertifizierung „{campaign.name}“: Die Rezertifizierung hat begonnen (3 Einträge)"
    )

    tick.delay()  # a second tick: nobody is told twice
    assert not wait_until(
        lambda: Notification.objects.filter(dedup_key__startswith="access-reminder:").count() > 5, timeout=3
    )
