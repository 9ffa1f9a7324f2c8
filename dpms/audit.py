"""The audit trail: ``record`` (one event) and ``record_many`` (a batch) are the only writers, ``verify``
walks the hash chain.

Each event's hash is SHA-256 over a canonical JSON serialisation of the event and the previous event's
hash. Appends lock a single chain-head row, so concurrent transactions queue up behind one another and the
chain never forks.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from dpms.context import current_origin
from dpms.copying import copy_rows, copy_text
from dpms.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "source",
    "request_id",
    "client_ip",
    "prev_hash",
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
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _lock_head() -> AuditChainHead:
    # The lock serialises appenders: without it two transactions could both read head N and write N+1.
    try:
        return AuditChainHead.objects.select_for_update().get(pk=1)
    except AuditChainHead.DoesNotExist:
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1)], ignore_conflicts=True)
        return AuditChainHead.objects.select_for_update().get(pk=1)


def _event(
    origin,
    now,
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
    """The event ``record`` would append, before it is given its place in the chain."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_label = object_label or str(obj)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    actor_label = actor_label or (f"{actor.full_name} <{actor.email}>" if actor else "")
    if origin.via:  # e.g. "API token #12 nightly import": which of the person's tokens made the change
        actor_label = f"{actor_label} via {origin.via}"
    return AuditEvent(
        occurred_at=now,
        actor=actor,
        actor_label=actor_label[:300],
        action=action,
        object_type=object_type,
        object_id=str(object_id if object_id is not None else "")[:64],
        object_label=str(object_label)[:300],
        changes=_normalise(changes or {}),
        source=source or origin.source,
        request_id=origin.request_id,
        client_ip=client_ip or origin.client_ip,
    )


def _chain(event: AuditEvent, sequence: int, prev_hash: str) -> AuditEvent:
    event.sequence, event.prev_hash = sequence, prev_hash
    event.hash = compute_hash(event)
    return event


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

    ``obj`` fills object type, id and label from a model instance; ``changes`` is
    ``{"field": [before, after]}`` or any JSON-serialisable dict. Source, request id and client IP come
    from the current origin unless given.
    """
    with transaction.atomic():
        head = _lock_head()
        # The time is read under the lock: the chain's times never go back as its sequence goes up.
        event = _event(
            current_origin(),
            timezone.now(),
            action=action,
            actor=actor,
            obj=obj,
            object_type=object_type,
            object_id=object_id,
            object_label=object_label,
            changes=changes,
            source=source,
            actor_label=actor_label,
            client_ip=client_ip,
        )
        _chain(event, head.sequence + 1, head.hash)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(sequence=event.sequence, hash=event.hash)
    return event


def record_many(entries: Iterable[Mapping[str, Any]], *, batch_size: int = 1000) -> int:
    """Append one event per entry (each the keyword arguments of ``record``), in order, with one lock of the
    chain head for them all: for bulk work (an import) that still leaves one event per change. The chain is
    the one ``record`` called once per entry would build, so ``verify`` checks it the same way. Call it
    inside the business transaction as its last write: the chain head stays locked until that transaction
    ends. Returns how many events were written. (``prepare_many`` then ``append_many``.)"""
    return append_many(prepare_many(entries), batch_size=batch_size)


# The canonical form's keys in order (``canonical`` sorts them): those before the event's time are fixed when
# the event is built; the time, the previous hash and the sequence are known only under the chain's lock.
_FIXED_BEFORE_TIME = (
    *("action", "actor_id", "actor_label", "changes", "client_ip"),
    *("object_id", "object_label", "object_type"),
)
# COPY's columns: those known when the event is built, then those set under the lock.
_COPY_FIXED = ("actor_id", "actor_label", "action", "object_type", "object_id", "object_label", "changes",
               "source", "request_id", "client_ip")  # fmt: skip
_COPY_CHAINED = ("occurred_at", "sequence", "prev_hash", "hash")
# By field name and by attribute name (``actor`` and ``actor_id`` alike).
_ATTNAMES = {key: f.attname for f in AuditEvent._meta.concrete_fields for key in (f.name, f.attname)}
_COLUMNS = {key: f.column for f in AuditEvent._meta.concrete_fields for key in (f.name, f.attname)}


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class _Prepared:
    """An event built outside the lock, with the parts of its canonical form and of its COPY row that do
    not depend on its place in the chain already written out."""

    event: AuditEvent
    canonical_head: str  # '{"action":...,"object_type":...' up to the time
    canonical_tail: str  # ',"request_id":...,"sequence":' before the sequence
    canonical_end: str  # ',"source":...}'
    copy_head: str  # the fixed columns, tab-separated, with a trailing tab


def prepare_many(entries: Iterable[Mapping[str, Any]]) -> list[_Prepared]:
    """The events ``record_many`` will append, built before the chain head is locked (every audited write
    in every process waits for that lock, so the work done under it is only the chain itself)."""
    origin = current_origin()
    prepared = []
    for entry in entries:
        event = _event(origin, None, **entry)
        data = {name: getattr(event, name) for name in _FIXED_BEFORE_TIME}
        data["actor_id"] = str(event.actor_id) if event.actor_id is not None else None
        data["object_id"] = str(event.object_id)
        copy = {name: getattr(event, _ATTNAMES[name]) for name in _COPY_FIXED}
        copy["changes"] = json.dumps(event.changes, cls=DjangoJSONEncoder)
        prepared.append(
            _Prepared(
                event=event,
                canonical_head=_json(data)[:-1],
                canonical_tail=f',"request_id":{_json(event.request_id)},"sequence":',
                canonical_end=f',"source":{_json(event.source)}}}',
                copy_head="".join(copy_text(copy[name]) + "\t" for name in _COPY_FIXED),
            )
        )
    return prepared


def settle_deferred_checks() -> None:
    """Run the transaction's deferred constraint checks now instead of at its commit. PostgreSQL checks
    Django's foreign keys (``DEFERRABLE INITIALLY DEFERRED``) when the transaction commits; for a bulk
    writer (an import of 20,000 grants) that is a fifth of a second, and a commit that follows
    ``append_many`` runs it with the chain's head locked, so every audited write in every process waits for
    it. Called just before ``append_many``, the checks run before the lock, and a broken one raises here
    (the transaction rolls back as it would have at the commit). Constraints are deferred again for what
    follows. SQLite: nothing to do (its check walks every table, and it has one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        connection.check_constraints()  # SET CONSTRAINTS ALL IMMEDIATE (runs what is pending), then DEFERRED


def append_many(prepared: list[_Prepared], *, batch_size: int = 1000) -> int:
    """Lock the chain head, give ``prepare_many``'s events their time (read under the lock, as ``record``
    does), sequence and hash, and write them: COPY on PostgreSQL, several times faster than INSERT. Under
    the lock each event costs a few string joins and one SHA-256: 20,000 events hold it well under a
    second. The hash is the one ``compute_hash`` gives (``verify`` recomputes it that way)."""
    if not prepared:
        return 0
    with transaction.atomic():
        head = _lock_head()
        now = timezone.now()
        stamp = _json(now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        sequence, prev_hash = head.sequence, head.hash
        for item in prepared:
            sequence += 1
            text = (
                f'{item.canonical_head},"occurred_at":{stamp},"prev_hash":"{prev_hash}"'
                f"{item.canonical_tail}{sequence}{item.canonical_end}"
            )
            event = item.event
            event.occurred_at, event.sequence, event.prev_hash = now, sequence, prev_hash
            event.hash = prev_hash = hashlib.sha256(text.encode()).hexdigest()
        _insert(prepared, now, batch_size)
        AuditChainHead.objects.filter(pk=1).update(sequence=sequence, hash=prev_hash)
    return len(prepared)


def _insert(prepared: list[_Prepared], now, batch_size: int) -> None:
    """Write chained events: COPY on PostgreSQL (several times faster than INSERT for thousands of rows),
    ``bulk_create`` elsewhere (SQLite has one writer at a time anyway)."""
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_create([item.event for item in prepared], batch_size=batch_size)
        return
    moment = now.isoformat()
    copy_rows(
        AuditEvent,
        [_COLUMNS[name] for name in (*_COPY_FIXED, *_COPY_CHAINED)],
        (
            "".join(
                f"{item.copy_head}{moment}\t{item.event.sequence}\t{item.event.prev_hash}\t{item.event.hash}\n"
                for item in prepared[start : start + batch_size]
            )
            for start in range(0, len(prepared), batch_size)
        ),
    )


def record_seed(*, action: str, object_type: str, label: str, changes: dict) -> AuditEvent:
    """One summarising event for rows ``seed_demo`` wrote in bulk (source ``cli``): the demo data is in the
    trail like everything else, without one event per demo row."""
    return record(
        action=action,
        object_type=object_type,
        object_label=label,
        changes={**changes, "via": "seed_demo"},
        source="cli",
    )


@dataclass
class VerifyResult:
    """What ``verify`` found: ``ok``, how many events were checked, and the first bad event if any; the last
    event verified, and the latest checkpoint the trail matched (when checkpoints were given)."""

    ok: bool
    checked: int
    bad_sequence: int | None = None
    reason: str = ""
    action: str = ""
    last_hash: str = ""
    last_sequence: int = 0
    checkpoint_sequence: int | None = None


def _broken(
    checked: int, event: AuditEvent | None, sequence: int, reason: str, matched: int | None = None
) -> VerifyResult:
    if event is None:
        event = AuditEvent.objects.filter(sequence=sequence).only("action").first()
    action = event.action if event is not None else ""
    return VerifyResult(False, checked, sequence, reason, action=action, checkpoint_sequence=matched)


def verify(
    *,
    batch_size: int = 2000,
    since: int | None = None,
    progress=None,
    checkpoints: Mapping[int, tuple[str, str]] | None = None,
) -> VerifyResult:
    """Recompute the chain and report the first event that does not fit.

    The chain head is read first, so events appended while the walk runs are checked too and are never
    mistaken for tampering; the walk must then reach the head and match its hash, which catches the newest
    events being removed. ``since`` starts at that sequence and trusts the stored hash of the event before
    it (an incremental check after a full one). ``progress(checked)`` is called every ``batch_size`` events.

    ``checkpoints`` (sequence: (hash, label), from ``dpms.checkpoints``) are what the chain was at moments
    recorded outside the database: the event at each checkpointed sequence walked must carry its hash, and
    the trail must reach the latest one. Without them, whoever can write the tables can recompute every
    hash after a change, or cut the newest events and move the head back, and the chain still fits.
    """
    checkpoints = checkpoints or {}
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first()
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    if since is not None and since > 1:
        before = AuditEvent.objects.filter(sequence=since - 1).values_list("hash", flat=True).first()
        if before is None:
            return _broken(0, None, since - 1, f"event #{since - 1} (before the starting point) is missing")
        expected_prev, expected_seq = before, since
    head_hash_seen, matched = None, None
    events = AuditEvent.objects.filter(sequence__gte=expected_seq).order_by("sequence")
    for event in events.iterator(chunk_size=batch_size):
        if event.sequence != expected_seq:
            return _broken(
                checked,
                event,
                event.sequence,
                f"event #{event.sequence}: expected #{expected_seq} next; "
                f"events #{expected_seq}..#{event.sequence - 1} are missing or renumbered",
            )
        if event.prev_hash != expected_prev:
            return _broken(
                checked,
                event,
                event.sequence,
                f"event #{event.sequence}: its previous hash does not match event "
                f"#{event.sequence - 1}; an event was inserted, removed or altered there",
            )
        if compute_hash(event) != event.hash:
            return _broken(
                checked,
                event,
                event.sequence,
                f"event #{event.sequence}: content does not match its hash; the row was altered",
            )
        if event.sequence in checkpoints:
            cp_hash, cp_label = checkpoints[event.sequence]
            if event.hash != cp_hash:
                return _broken(
                    checked,
                    event,
                    event.sequence,
                    f"event #{event.sequence} does not match {cp_label}: the trail was rewritten at or "
                    f"before #{event.sequence}"
                    + (f", after #{matched}, the latest checkpoint it matches" if matched else ""),
                    matched,
                )
            matched = event.sequence
        if head is not None and event.sequence == head[0]:
            head_hash_seen = event.hash
        expected_prev, expected_seq = event.hash, expected_seq + 1
        checked += 1
        if progress is not None and checked % batch_size == 0:
            progress(checked)
    last = expected_seq - 1
    # Read the head again: it only grows, so an event past it was not written by record().
    head_after = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first()
    if head is None or head_after is None:
        if last:
            return _broken(checked, None, last, "the chain head is missing; it was removed from the database")
    elif last < head[0]:
        return _broken(
            checked,
            None,
            last + 1,
            f"the chain ends at #{last} but its head says #{head[0]}: the latest events were removed",
        )
    elif last > head_after[0]:
        return _broken(
            checked,
            None,
            head_after[0] + 1,
            f"events #{head_after[0] + 1}..#{last} lie past the chain head #{head_after[0]}: "
            "they were inserted outside the audit trail",
        )
    elif head_hash_seen is not None and head_hash_seen != head[1]:
        return _broken(
            checked, None, head[0], f"event #{head[0]} does not match the hash the chain head recorded for it"
        )
    beyond = max(checkpoints, default=0)
    if beyond > last:
        return _broken(
            checked,
            None,
            last + 1,
            f"the trail ends at #{last} but {checkpoints[beyond][1]} holds #{beyond}: "
            f"events #{last + 1}..#{beyond} were removed",
            matched,
        )
    last_hash = expected_prev if last else ""
    return VerifyResult(True, checked, last_hash=last_hash, last_sequence=last, checkpoint_sequence=matched)
