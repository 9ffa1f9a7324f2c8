"""Background work of the policies app: the tick (beat sends it every 5 minutes; the calendar lives in the
database) and the close of a large campaign.

Each tick step is idempotent and safe to run on several workers at once (``select_for_update(skip_locked=
True)``, conditional updates and unique keys), and catches up after downtime: it acts on everything due, not
only on what fell due since the last tick.
"""

from celery import shared_task
from django.db import OperationalError

from dpms.ticks import run_steps
from policies.services import campaigns, followups

# Each step: ``step(*, now) -> int`` (how much it did), in order: launch (yearly, joiners), remind, escalate,
# close; then the officers told of follow-ups gone overdue.
TICK_STEPS = (
    campaigns.launch_due_campaigns,
    campaigns.launch_joiner_campaigns,
    campaigns.send_due_reminders,
    campaigns.escalate_overdue,
    campaigns.close_due_campaigns,
    followups.remind_overdue_follow_ups,
)


@shared_task(name="policies.tasks.tick", ignore_result=True)
def tick() -> dict:
    """Run every step; one failing step is logged and does not hold up the others, then the tick fails."""
    return run_steps("policies", TICK_STEPS)


@shared_task(
    name=campaigns.CLOSE_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def close_campaign(campaign_id: int) -> bool:
    """Close a campaign a security officer asked to close (``campaigns.campaign_close_finish``). Safe to run
    twice: a campaign closed already is left alone; a lost task is made up for by the tick's close step."""
    return campaigns.campaign_close_finish(campaign_id=campaign_id)
