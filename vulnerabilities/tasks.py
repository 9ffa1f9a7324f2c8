"""Background work of the vulnerabilities app: the tick (beat sends it every 15 minutes; the calendar lives
in the database as each vulnerability's deadline and the tick's marks on it).

Each step is idempotent (each vulnerability is reminded and escalated once; digests carry de-duplication
keys), safe on several workers (rows taken with ``skip_locked``), and catches up after downtime: it acts on
everything due, not only on what fell due since the last tick.
"""

from celery import shared_task

from dpms.ticks import run_steps
from vulnerabilities.services import deadlines, register

# Each step: ``step(*, now) -> int`` (how much it did), in order: remind, escalate, reopen.
TICK_STEPS = (
    deadlines.remind_before_due,
    deadlines.escalate_overdue,
    register.reopen_expired_acceptances,
)


@shared_task(name="vulnerabilities.tasks.tick", ignore_result=True)
def tick() -> dict:
    """Run every step; one failing step is logged and does not hold up the others, then the tick fails."""
    return run_steps("vulnerabilities", TICK_STEPS)
