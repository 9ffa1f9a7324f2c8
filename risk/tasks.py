"""Background work of the risk app. Beat ticks every 5 minutes; the calendar lives in the database.

Each step is idempotent (reminders carry de-duplication keys), safe on several workers, and catches up after
downtime: it acts on everything due, not only what fell due since the last tick.
"""

import logging

from celery import shared_task
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Each step: ``step(*, now) -> int`` (how much it did).
TICK_STEPS = (
    "risk.services.reviews.remind_due_reviews",
    "risk.services.actions.remind_overdue_actions",
    "risk.services.acceptances.notify_expiring_acceptances",
    "risk.services.acceptances.expire_acceptances",
)


@shared_task(name="risk.tasks.tick", ignore_result=True)
def tick() -> dict:
    """Run every step; one failing step is logged and does not hold up the others, then the tick fails."""
    now = timezone.now()
    done, failed = {}, []
    for path in TICK_STEPS:
        step = import_string(path)
        try:
            done[path.rsplit(".", 1)[1]] = step(now=now)
        except Exception:
            log.exception("risk tick step %s failed", path)
            failed.append(path)
    if failed:
        raise RuntimeError(f"risk tick steps failed: {', '.join(failed)}")
    return done
