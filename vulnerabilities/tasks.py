"""Background work of the vulnerabilities app: the tick (beat sends it every 15 minutes; the calendar lives
in the database as each vulnerability's deadline and the tick's marks on it).

Each step is idempotent (each vulnerability is reminded and escalated once; digests carry de-duplication
keys), safe on several workers (rows taken with ``skip_locked``), and catches up after downtime: it acts on
everything due, not only on what fell due since the last tick.
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils.translation import gettext_noop

from dpms.ticks import run_steps
from vulnerabilities.services import deadlines, imports, register

# Each step: ``step(*, now) -> int`` (how much it did), in order: remind, escalate, reopen.
TICK_STEPS = (
    deadlines.remind_before_due,
    deadlines.escalate_overdue,
    register.reopen_expired_acceptances,
    imports.scan_imports_sweep,  # scanner imports whose task was lost
)


@shared_task(name="vulnerabilities.tasks.tick", ignore_result=True)
def tick() -> dict:
    """Run every step; one failing step is logged and does not hold up the others, then the tick fails."""
    return run_steps("vulnerabilities", TICK_STEPS)


@shared_task(
    name=imports.PROCESS_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def process_scan_import(import_id: int) -> str:
    """Check and apply an uploaded scan, all or nothing (``imports.scan_import_process``). Safe to run twice.
    A database briefly away is retried (then the sweep sends it again); anything else ends it failed at once,
    with a message its uploader can act on."""
    try:
        return imports.scan_import_process(import_id=import_id)
    except OperationalError:
        raise
    except SoftTimeLimitExceeded:
        imports.scan_import_fail(
            import_id=import_id,
            error=gettext_noop("The file took longer than the time limit: nothing was imported."),
        )
        raise
    except Exception:
        imports.scan_import_fail(
            import_id=import_id,
            error=gettext_noop("An unexpected error stopped the work on this file: nothing was imported."),
        )
        raise
