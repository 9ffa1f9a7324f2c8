"""Background work of the access app. Beat ticks every 5 minutes; the calendar lives in the database.

Each step is idempotent and safe to run on several workers at once (``select_for_update(skip_locked=True)``
and unique keys), and catches up after downtime: it acts on everything due, not only on what fell due since
the last tick.
"""

from celery import shared_task

from dpms.ticks import run_steps

# Each step: ``step(*, now) -> int`` (how much it did), in order: launch, remind, escalate, close, expire.
TICK_STEPS = (
    "access.services.campaigns.launch_due_campaigns",
    "access.services.reminders.send_due_reminders",
    "access.services.reminders.escalate_overdue_items",
    "access.services.closing.close_due_campaigns",
    "access.services.revocations.remind_overdue_tasks",
    "access.services.expiry.notify_expiring_grants",
    "access.services.expiry.expire_grants",
    "access.services.register.check_privileged_limits",
    "access.services.portal_roles.sync_portal_roles",  # safety net: portal grants follow the groups
)


@shared_task(name="access.tasks.tick", ignore_result=True)
def tick() -> dict:
    """Run every step; one failing step is logged and does not hold up the others, then the tick fails."""
    return run_steps("access", TICK_STEPS)


from access.tasks_campaigns import populate_campaign  # noqa: E402, F401 - registers the task
