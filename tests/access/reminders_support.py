"""The reminder tick and the worker's share of it, in this process: for tests of what the digests say.

The tick only claims the reviewers due and hands them to the workers (``access.tasks.send_reminders``); the
Celery path itself is tested through a real worker in ``test_reminders_celery.py``."""

from collections import defaultdict

from access.models import ReminderClaim
from access.services.reminders import send_claimed_reminders, send_due_reminders


def run_claimed(now) -> int:
    """Run what the send tasks of the claims held now would run, as a tick at ``now`` handed them out."""
    held = defaultdict(list)
    for campaign_id, person in ReminderClaim.objects.order_by("recipient_id").values_list(
        "campaign_id", "recipient_id"
    ):
        held[campaign_id].append(person)
    return sum(
        send_claimed_reminders(campaign_id=campaign_id, now=now, recipient_ids=people)
        for campaign_id, people in held.items()
    )


def remind(now) -> int:
    """The tick's reminder step at ``now``, then its send tasks: how many digests were new."""
    send_due_reminders(now=now)
    return run_claimed(now)
