"""Background work of the risk app. Beat ticks every 5 minutes; the calendar lives in the database.

Each step is idempotent (reminders carry de-duplication keys), safe on several workers, and catches up after
downtime: it acts on everything due, not only what fell due since the last tick.
"""

from celery import shared_task
from django.db import OperationalError

from dpms.ticks import run_steps
from risk.services import acceptances, actions, register, reviews

# Each step: ``step(*, now) -> int`` (how much it did).
TICK_STEPS = (
    reviews.remind_due_reviews,
    actions.remind_overdue_actions,
    acceptances.notify_expiring_acceptances,
    acceptances.expire_acceptances,
    register.pdf_exports_sweep,  # register PDFs whose message or worker was lost
)


@shared_task(name="risk.tasks.tick", ignore_result=True)
def tick() -> dict:
    """Run every step; one failing step is logged and does not hold up the others, then the tick fails."""
    return run_steps("risk", TICK_STEPS)


@shared_task(
    name=register.PDF_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def render_register_pdf(export_id: int) -> str:
    """Write a requested register PDF (``register.register_pdf_run``). Safe to run twice."""
    return register.register_pdf_run(export_id=export_id)
