"""The audit trail: ``record`` is the only writer, ``verify`` walks the hash chain.

Each event's hash is SHA-256 over a canonical JSON serialisation of the event and the previous event's
hash. Appends lock a single chain-head row, so concurrent transactions queue up behind one another and the
chain never forks.
"""

import hashlib
from datetime import UTC
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from dpms.context import current_origin
from dpms.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "sequence", "occurred_at", "actor_id", "actor_label", "action", "object_type", "object_id",
    "object_label", "changes", "source", "request_id", "client_ip", "prev_hash",
)


def _normalise(value):
    """Round-trip through JSON so what is hashed is exactly what the database gives back."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def canonical(event: AuditEvent) -> bytes:
    data = {name: getattr(event, name) for name in HASHED_FIELDS}
    data["occurred_at"] = event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    data["actor_id"] = str(event.actor_id) if event.actor_id is not None else None
    data["object_id"] = str(event.object_id)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def diff(before: dict, after: dict) -> dict:
    """The changed fields as ``{"field": [before, after]}``, for the ``changes`` of an update."""
    return {key: [before.get(key), after.get(key)] for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)}


def _lock_head() -> AuditChainHead:
    # The lock serialises appenders: without it two transactions could both read head N and write N+1.
    try:
        return AuditChainHead.objects.select_for_update().get(pk=1)
    except AuditChainHead.DoesNotExist:
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
        return AuditChainHead.objects.select_for_update().get(pk=1)


def record(
    *,
    action: str,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id="",
    object_label: str = "",
    changes: dict | None = None,
    source: str | None = None,
    actor_label: str = "",
    client_ip: str | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the business transaction so the event and the change commit together.

    ``obj`` fills object type, id and label from a model instance; ``changes`` is ``{"field": [before, after]}``
    or any JSON-serialisable dict. Source, request id and client IP come from the current origin unless given.
    """
    origin = current_origin()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        head = _lock_head()
        event = AuditEvent(
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            actor=actor,
            actor_label=(actor_label or (f"{actor.full_name} <{actor.email}>" if actor else ""))[:300],
            action=action,
            object_type=object_type,
            object_id=str(object_id if object_id is not None else "")[:64],
            object_label=str(object_label)[:300],
            changes=_normalise(changes or {}),
            source=source or origin.source,
            request_id=origin.request_id,
            client_ip=client_ip or origin.client_ip,
            prev_hash=head.hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(sequence=event.sequence, hash=event.hash)
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    bad_sequence: int | None = None
    reason: str = ""


def verify(batch_size: int = 2000) -> VerifyResult:
    """Recompute the chain from the first event; report the first event that does not fit."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size):
        if event.sequence != expected_seq:
            return VerifyResult(False, checked, event.sequence,
                                f"event #{event.sequence}: expected #{expected_seq} next; "
                                f"events #{expected_seq}..#{event.sequence - 1} are missing or renumbered")
        if event.prev_hash != expected_prev:
            return VerifyResult(False, checked, event.sequence,
                                f"event #{event.sequence}: its previous hash does not match event "
                                f"#{event.sequence - 1}; an event was inserted, removed or altered there")
        if compute_hash(event) != event.hash:
            return VerifyResult(False, checked, event.sequence,
                                f"event #{event.sequence}: content does not match its hash; the row was altered")
        expected_prev, expected_seq = event.hash, expected_seq + 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence != expected_seq - 1 or (checked and head.hash != expected_prev)):
        return VerifyResult(False, checked, expected_seq,
                            f"the chain ends at #{expected_seq - 1} but its head says #{head.sequence}: "
                            "the latest events were removed")
    return VerifyResult(True, checked)
