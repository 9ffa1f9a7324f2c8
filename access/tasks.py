"""Background work of the access app: the tick (beat sends it every 5 minutes; the calendar lives in the
database), the population of launching campaigns, the reminder digests the tick hands out in batches, and the
check and apply of uploaded import files.

Each tick step is idempotent and safe to run on several workers at once (``select_for_update(skip_locked=
True)`` and unique keys), and catches up after downtime: it acts on everything due, not only on what fell due
since the last tick.
"""

from datetime import datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError

from access.services import (
    campaigns,
    closing,
    evidence,
    expiry,
    imports,
    portal_roles,
    register,
    reminders,
    revocations,
)
from dpms.enqueue import enqueue
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
    imports.import_jobs_sweep,  # uploads whose check or apply lost its task
    evidence.pdf_exports_sweep,  # evidence PDFs whose message or worker was lost
)

# Batches of 2,000 items (``campaigns.BATCH_SIZE``), ten per task run, then the task hands over to a fresh
# one: a launch of 100,000 items never runs into the task time limit, and other work gets the worker in
# between.
BATCHES_PER_TASK = 10


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
        # One attempt: with the broker down the tick's stalled-launch sweep sends it again.
        enqueue(populate_campaign, [campaign_id])


@shared_task(
    name=reminders.SEND_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def send_reminders(campaign_id: int, now: str, recipient_ids: list[int]) -> int:
    """Write the reminder digests of a batch of reviewers the tick at ``now`` claimed
    (``reminders.send_claimed_reminders``). Safe to run twice; a lost one is handed out again by the tick."""
    return reminders.send_claimed_reminders(
        campaign_id=campaign_id, now=datetime.fromisoformat(now), recipient_ids=recipient_ids
    )


def _run_import_step(step, job_id: int):
    """Run an import job's step. A database that is briefly unavailable is retried by the task (bounded; after
    that the tick's sweep sends the step again); anything else ends the job failed at once, with a message
    its uploader can act on, rather than leaving it "running" until the sweep gives up on it."""
    try:
        return step(job_id=job_id)
    except OperationalError:
        raise
    except SoftTimeLimitExceeded:
        imports.import_job_fail(
            job_id=job_id,
            error="The file took longer than the time limit: nothing was imported. "
            "Split it into smaller files.",
        )
        raise
    except Exception:
        imports.import_job_fail(
            job_id=job_id, error="An unexpected error stopped the work on this file: nothing was imported."
        )
        raise


IMPORT_RETRIES = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 3}


@shared_task(name=imports.CHECK_TASK, ignore_result=True, **IMPORT_RETRIES)
def check_import(job_id: int) -> str:
    """Check an uploaded file (``imports.import_job_check``). Safe to run twice."""
    return _run_import_step(imports.import_job_check, job_id)


@shared_task(name=imports.APPLY_TASK, ignore_result=True, **IMPORT_RETRIES)
def apply_import(job_id: int) -> dict:
    """Apply a confirmed file, all or nothing (``imports.import_job_apply``); the report it returns has the
    time the audit chain's lock was held (``audit_lock_seconds``). Safe to run twice: one run commits."""
    return _run_import_step(imports.import_job_apply, job_id)


@shared_task(
    name=evidence.PDF_TASK,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def render_evidence_pdf(export_id: int) -> str:
    """Write a closed campaign's evidence PDF (``evidence.campaign_pdf_run``). Safe to run twice."""
    return evidence.campaign_pdf_run(export_id=export_id)
