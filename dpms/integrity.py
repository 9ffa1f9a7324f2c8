"""The audit trail's integrity beyond its hash chain: signed checkpoints written outside the database, and
verifications of the whole trail against them asked for from the portal.

- ``checkpoint_write``: beat's periodic task (every ``AUDIT_CHECKPOINT_SECONDS``) verifies the events since
  the latest checkpoint, then signs one of the chain's end, appends it to the file in
  ``AUDIT_CHECKPOINT_DIR`` and emails it to the auditors. A trail that does not verify gets no checkpoint
  (it would vouch for the damage): the auditors are told instead.
- ``audit_verification_request`` (an auditor's button on the audit trail page) and
  ``audit_verification_run`` (its Celery task): the chain walked from the first event and compared with
  every checkpoint; both audited.
- ``verify_trail``: the walk and the comparison, for the task and for ``manage.py verify_audit``.

Checkpoints are not audit events themselves: an event per checkpoint would move the chain on every time,
so there would always be a new checkpoint to write and mail.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from dpms import audit, checkpoints, notify
from dpms.checkpoints import Checkpoint, CheckpointError
from dpms.enqueue import enqueue
from dpms.models import AuditChainHead, AuditVerification, AuditVerificationState, PortalRole, User
from dpms.queries import may_verify_audit

log = logging.getLogger(__name__)

CHECKPOINT_TASK = "dpms.integrity_tasks.write_audit_checkpoint"
VERIFY_TASK = "dpms.integrity_tasks.verify_audit_trail"
STALLED_AFTER = AuditVerification.STALLED_AFTER
HEARTBEAT_EVERY = timedelta(seconds=2)
KEY_MISSING = "AUDIT_CHECKPOINT_KEY is not set: no checkpoints are written or compared"


# --- The walk and the comparison ----------------------------------------------------------------------------
@dataclass
class TrailCheck:
    """``verify_trail``'s finding: the chain's result, how many checkpoints were compared, the latest one
    the trail matched, and why none were compared (``note``) if so."""

    result: audit.VerifyResult
    checkpoints_read: int
    matched: Checkpoint | None
    note: str = ""


def checkpoints_note() -> str:
    """Why the portal writes no checkpoints, or "" when it does."""
    return "" if settings.AUDIT_CHECKPOINT_KEY else KEY_MISSING


def verify_trail(
    *, folder: Path | None = None, key: str | None = None, progress=None, batch_size: int = 2000
) -> TrailCheck:
    """Walk the whole chain and compare it with every checkpoint in ``folder`` (``AUDIT_CHECKPOINT_DIR``)
    signed under ``key`` (``AUDIT_CHECKPOINT_KEY``). A checkpoint whose signature fails raises
    ``CheckpointError``: it was altered or is not ours, and nothing can be concluded from it."""
    key = settings.AUDIT_CHECKPOINT_KEY if key is None else key
    folder = Path(settings.AUDIT_CHECKPOINT_DIR if folder is None else folder)
    found = checkpoints.read(folder, key=key) if key else []
    note = KEY_MISSING if not key else ("" if found else "no checkpoint in AUDIT_CHECKPOINT_DIR yet")
    return verify_against(found, note=note, progress=progress, batch_size=batch_size)


def verify_against(
    found: list[Checkpoint], *, note: str = "", progress=None, batch_size: int = 2000
) -> TrailCheck:
    """Walk the whole chain and compare it with the checkpoints ``found`` (read and signature-checked)."""
    expected = checkpoints.by_sequence(found)
    result = audit.verify(batch_size=batch_size, progress=progress, checkpoints=expected)
    matched = next((c for c in reversed(found) if c.sequence == result.checkpoint_sequence), None)
    return TrailCheck(result, len(found), matched, note)


# --- The periodic checkpoint --------------------------------------------------------------------------------
def checkpoint_write(*, now: datetime | None = None) -> str:
    """Beat's periodic task: sign a checkpoint of the chain's last event, once the events since the latest
    checkpoint verify; append it to the file and email it to the auditors. Returns what it did: ``off`` (no
    key), ``unchanged`` (nothing appended since the latest checkpoint), ``written`` or ``broken``."""
    key = settings.AUDIT_CHECKPOINT_KEY
    if not key:
        return "off"
    folder = Path(settings.AUDIT_CHECKPOINT_DIR)
    now = now or timezone.now()
    with checkpoints.locked(folder):
        try:
            found = checkpoints.read(folder, key=key)
            latest = found[-1] if found else None
            if latest is None:
                result = audit.verify()
            else:  # from the latest checkpoint's own event, which must still carry its hash
                result = audit.verify(since=latest.sequence, checkpoints=checkpoints.by_sequence([latest]))
        except CheckpointError as error:
            _tell_auditors_broken(now, f"the checkpoints do not check out: {error}", key="checkpoints")
            return "broken"
        if not result.ok:
            reason = f"event #{result.bad_sequence} ({result.action or 'no such event'}): {result.reason}"
            _tell_auditors_broken(now, reason, key=str(result.bad_sequence))
            return "broken"
        if not result.last_sequence or (latest is not None and latest.sequence == result.last_sequence):
            return "unchanged"
        checkpoint = checkpoints.make(key, sequence=result.last_sequence, hash=result.last_hash, at=now)
        path = checkpoints.append(folder, checkpoint)
    _mail_checkpoint(checkpoint, path)
    return "written"


@transaction.atomic
def _mail_checkpoint(checkpoint: Checkpoint, path: Path) -> None:
    """The checkpoint by email to each auditor: a copy kept outside the server (the outbox sends it)."""
    # The commands, the path and the signed line are data: they stay as they are in every language.
    body = format_lazy(
        gettext_lazy(
            "The audit trail's checkpoint of {at} UTC: event #{sequence}, hash {hash}.\n\n"
            "Keep this message: it is evidence kept outside the portal's database, signed with a key the "
            "database does not hold. To check the trail (or an exported CSV of it) against it, save the line "
            "below in a file ending in .jsonl, in a folder of its own, and run\n"
            "{commands}\n"
            "(the portal keeps the same line in {path}).\n\n"
            "{line}\n"
        ),
        at=f"{checkpoint.at:%Y-%m-%d %H:%M:%S}",
        sequence=checkpoint.sequence,
        hash=checkpoint.hash,
        commands="  manage.py verify_audit --checkpoints FOLDER\n"
        "  manage.py verify_audit --csv EXPORT.csv --checkpoints FOLDER",
        path=path,
        line=checkpoint.line(),
    )
    for auditor in User.objects.holding(PortalRole.AUDITOR):
        notify.email(
            to=auditor.email,
            recipient=auditor,
            subject=format_lazy(
                gettext_lazy("Audit trail checkpoint #{sequence}"), sequence=checkpoint.sequence
            ),
            body=body,
            dedup_key=f"audit-checkpoint:{checkpoint.sequence}:{checkpoint.hash[:16]}:{auditor.pk}",
        )


@transaction.atomic
def _tell_auditors_broken(now: datetime, reason: str, *, key: str) -> None:
    """No checkpoint is written over a broken trail; the auditors are told, once a day for one break."""
    notify.notify_each_once(
        User.objects.holding(PortalRole.AUDITOR),
        subject=gettext_lazy("The audit trail failed its check: no checkpoint was written"),
        body=format_lazy(
            gettext_lazy(
                "The periodic check of the audit trail found: {reason}\n\n"
                "Verify it from the audit trail page."
            ),
            reason=reason,
        ),
        link=reverse("audit_trail"),
        dedup_key=f"audit-broken:{now:%Y-%m-%d}:{key}"[:180],
    )
    log.error("Audit trail check failed, no checkpoint written: %s", reason)


# --- Verification from the portal ---------------------------------------------------------------------------
@transaction.atomic
def audit_verification_request(*, actor) -> tuple[AuditVerification, bool]:
    """An auditor (or security officer, or admin: whoever reads the trail) asks for the whole trail to be
    verified: a run is queued and sent to a worker after commit, or the run already under way is returned
    (one at a time); with whether it is new. A run lost by its worker ends failed here, so it never blocks
    the next."""
    if not may_verify_audit(actor):
        raise PermissionDenied(gettext("Only those who read the audit trail verify it."))
    now = timezone.now()
    _end_stalled(now)
    running = AuditVerification.objects.filter(in_progress=True).first()
    if running is not None:
        return running, False
    try:
        # The unique in_progress is the claim: of two requests at once, one creates the run.
        with transaction.atomic():
            run = AuditVerification.objects.create(requested_by=actor, requested_at=now, progress_at=now)
    except IntegrityError:
        return AuditVerification.objects.get(in_progress=True), False
    audit.record(action="audit.verification.request", actor=actor, obj=run)
    transaction.on_commit(partial(_enqueue, run.pk))
    return run, True


def _enqueue(run_id: int) -> None:
    """After commit. A broker error must not fail the request: the run shows as waiting, and a later
    request, once it has stalled, ends it and queues a new one."""
    enqueue(VERIFY_TASK, [run_id])  # once: broker down, the run stalls and the next request replaces it


def _end_stalled(now: datetime) -> None:
    stalled = AuditVerification.objects.filter(in_progress=True, progress_at__lt=now - STALLED_AFTER)
    for run in stalled:
        reason = "No worker finished it (a worker stopped, or the broker lost it): ask again."
        ended = AuditVerification.objects.filter(pk=run.pk, in_progress=True).update(
            state=AuditVerificationState.FAILED,
            in_progress=None,
            finished_at=now,
            progress_at=now,
            reason=reason,
        )
        if ended:
            audit.record(
                action="audit.verification.finish", obj=run, changes={"state": "failed", "reason": reason}
            )


class _Heartbeat:
    """``verify``'s progress callback: the count checked, written every couple of seconds, not every batch."""

    def __init__(self, run_id: int):
        self.run_id, self.last = run_id, timezone.now()

    def __call__(self, checked: int) -> None:
        now = timezone.now()
        if now - self.last >= HEARTBEAT_EVERY:
            self.last = now
            AuditVerification.objects.filter(pk=self.run_id, in_progress=True).update(
                checked=checked, progress_at=now
            )


def audit_verification_run(*, run_id: int) -> str:
    """The task's work: claim the queued run (a run already finished is left alone; one left running by a
    worker that died is taken over), walk the trail and compare it with the checkpoints, then record the
    result and its audit event together. No transaction around the walk: it only reads, for minutes on a
    long trail. Returns the run's state."""
    now = timezone.now()
    total = AuditChainHead.objects.filter(pk=1).values_list("sequence", flat=True).first() or 0
    claimed = AuditVerification.objects.filter(pk=run_id, in_progress=True).update(
        state=AuditVerificationState.RUNNING, progress_at=now, total=total, checked=0
    )
    if not claimed:
        return AuditVerification.objects.filter(pk=run_id).values_list("state", flat=True).first() or ""
    try:
        check = verify_trail(progress=_Heartbeat(run_id))
    except CheckpointError as error:  # a checkpoint altered or not ours: a finding, not a failure
        fields = {"state": AuditVerificationState.BROKEN, "reason": str(error)[:2000]}
    except OperationalError:
        raise  # the database went away: the task tries again, and takes the run over
    except Exception as error:  # noqa: BLE001 - the run ends, saying so, rather than staying "running"
        log.exception("Audit verification %s could not finish", run_id)
        fields = {
            "state": AuditVerificationState.FAILED,
            "reason": f"Could not finish ({type(error).__name__}).",
        }
    else:
        fields = _result_fields(check)
    return _finish(run_id, fields)


def _result_fields(check: TrailCheck) -> dict:
    result = check.result
    fields: dict = {
        "state": AuditVerificationState.OK if result.ok else AuditVerificationState.BROKEN,
        "checked": result.checked,
        "last_sequence": result.last_sequence,
        "last_hash": result.last_hash,
        "checkpoints_read": check.checkpoints_read,
        "checkpoints_note": check.note[:300],
        "reason": result.reason,
        "bad_sequence": result.bad_sequence,
        "bad_action": result.action[:100],
    }
    if check.matched is not None:
        fields |= {"checkpoint_sequence": check.matched.sequence, "checkpoint_at": check.matched.at}
    return fields


@transaction.atomic
def _finish(run_id: int, fields: dict) -> str:
    now = timezone.now()
    finished = AuditVerification.objects.filter(pk=run_id, in_progress=True).update(
        in_progress=None, finished_at=now, progress_at=now, **fields
    )
    if finished:
        run = AuditVerification.objects.get(pk=run_id)
        summary = {
            name: fields[name]
            for name in (
                "state",
                "checked",
                "checkpoints_read",
                "checkpoint_sequence",
                "bad_sequence",
                "reason",
            )
            if fields.get(name) not in (None, "")
        }
        audit.record(action="audit.verification.finish", obj=run, changes=summary, source="task")
    return fields["state"]
