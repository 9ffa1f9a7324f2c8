"""Background work of the incidents app. Beat ticks every minute; the calendar lives in the database
(``Incident.next_escalation_at``, ``authority_deadline``, the follow-up actions' due dates).

Each step is idempotent (a unique row or a stored "last step sent" per reminder), safe on several workers
(due rows are taken with ``select_for_update(skip_locked=True)``), and catches up after downtime: missed
levels fire once, in order.
"""

from celery import shared_task
from django.db import OperationalError

from dpms.ticks import run_steps
from incidents.services import breach, escalation, followups

# Each step: ``step(*, now) -> int`` (how much it did).
TICK_STEPS = (
    escalation.escalate_due,
    breach.remind_clocks,
    followups.remind_overdue_actions,
    breach.pdf_exports_sweep,  # PDFs whose message or worker was lost
)


@shared_task(name="incidents.tasks.tick", ignore_result=True)
def tick() -> dict:
    """Run every step; one failing step is logged and does not hold up the others, then the tick fails."""
    return run_steps("incidents", TICK_STEPS)


@shared_task(
    name=breach.PDF_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def render_pdf(export_id: int) -> str:
    """Write a requested incident or breach register PDF (``breach.pdf_run``). Safe to run twice."""
    return breach.pdf_run(export_id=export_id)
