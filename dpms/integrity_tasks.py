"""The audit trail's integrity tasks (``dpms.integrity``): the periodic checkpoint and the portal's
verification. A module of their own, listed in ``CELERY_IMPORTS``: ``dpms.tasks`` is imported by the outbox,
which ``dpms.integrity`` uses to mail the auditors."""

from celery import shared_task
from django.db import OperationalError

from dpms import integrity


@shared_task(name=integrity.CHECKPOINT_TASK, ignore_result=True)
def write_audit_checkpoint() -> str:
    """Sign and keep a checkpoint of the audit trail (``integrity.checkpoint_write``). Safe to run twice."""
    return integrity.checkpoint_write()


@shared_task(
    name=integrity.VERIFY_TASK,
    ignore_result=True,
    # A long trail takes minutes (about 10 s for 270,000 events): more than the default time limits.
    soft_time_limit=3300,
    time_limit=3600,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def verify_audit_trail(run_id: int) -> str:
    """Verify the whole trail for a run asked for from the portal (``integrity.audit_verification_run``)."""
    return integrity.audit_verification_run(run_id=run_id)
