"""Background work of the access app: the tick (beat sends it every 5 minutes; the calendar lives in the
database) and the population of launching campaigns.

Each tick step is idempotent and safe to run on several workers at once (``select_for_update(skip_locked=
True)`` and unique keys), and catches up after downtime: it acts on everything due, not only on what fell due
since the last tick.
"""

from celery import shared_task
from django.db import OperationalError

from access.services import campaigns, closing, expiry, portal_roles, register, reminders, revocations
from dpms.ticks import run_steps

# Each step: ``step(*, now) -> int`` (how much it did), in order: launch, remind, escalate, close, expire.
TICK_STEPS = (
    campaigns.launch_due_campaigns,
    reminders.send_due_reminders,
    reminders.escalate_overdue_items,
    closing.close_due_campaigns,
    revocations.remind_overdue_tasks,
    expiry.notify_expiring_grants,
    expiry.expire_grants,
    register.check_privileged_limits,
    portal_roles.sync_portal_roles,  # safety net: portal grants follow the groups
)

# Batches of 500 per task run, then the task hands over to a fresh one: a launch of 100,000 items never runs
# into the task time limit, and other work gets the worker in between.
BATCHES_PER_TASK = 40


@shared_task(name="access.tasks.tick", ignore_result=True)
def tick() -> dict:
    """Run every step; one failing step is logged and does not hold up the others, then the tick fails."""
    return run_steps("access", TICK_STEPS)


@shared_task(
    name=campaigns.POPULATE_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def populate_campaign(campaign_id: int) -> None:
    """Write the review items of a launching campaign, then open it. Safe to run twice: it carries on where
    the items end, and a finished campaign is left alone."""
    if not campaigns.campaign_populate(campaign_id=campaign_id, max_batches=BATCHES_PER_TASK):
        populate_campaign.delay(campaign_id)
