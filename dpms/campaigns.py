"""The campaign mechanism every app that asks many people to do one thing by a date shares: access reviews
(``access``) and policy acknowledgements (``policies``).

- **Reminder steps** (``Schedule``, ``reminder_steps``, ``latest_due_step``): at launch, at half time, N days
  before due, then daily while overdue. A tick sends only the latest step whose time has passed, so after
  downtime people get one reminder for where the campaign is now, not a burst of stale ones; each step has a
  stable ``key`` for the de-duplication key of its digests, so it is never sent twice.
- **Escalation** (``escalation_level_due``): level 1 (the person's manager) after ``escalate_after_days``
  overdue, level 2 (the security officers) after as many again; 0 turns escalation off.
- **The population snapshot** (``population_lines``, ``population_sha256``, ``population_snapshot``, and
  ``population_snapshot_of`` for a queryset, streamed): who a campaign asks, frozen at launch as canonical
  text lines, counted and hashed: an auditor recomputes the hash from a list (the lines sorted as
  ``LC_ALL=C sort`` sorts them, joined by newlines, no final one).
- **Evidence** (``store_evidence_csv``, ``evidence_stream``, ``evidence_manifest``, ``manifest_bytes``): a
  CSV produced once at close, a batch of rows at a time, stored byte for byte in chunk rows of about a
  megabyte through the app's chunk model (fields ``campaign``, ``position``, ``text``) and hashed as it is
  written; the download streams exactly those bytes, so ``sha256sum`` of the file equals the manifest's
  ``file_sha256``. Cells that a spreadsheet would run as a formula are neutralised (``safe_cell``).

The words people read (a step's label, a digest's subject) stay in each app: this module names steps by kind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, models
from django.db.models import TextField, Value
from django.db.models.functions import Cast, Coalesce, Collate, Concat

from dpms.csvexport import safe_cell

# --- Reminder steps and escalation --------------------------------------------------------------------------
LAUNCH = "launch"
HALF_TIME = "half"
BEFORE_DUE = "before"
OVERDUE = "overdue"
# Escalation levels: nobody yet, the person's manager, the security officers.
NOT_ESCALATED, TO_MANAGER, TO_OFFICERS = 0, 1, 2


@dataclass(frozen=True)
class Schedule:
    """When a campaign reminds its people and escalates what is overdue (an app reads it off its policy)."""

    remind_at_launch: bool = True
    remind_at_half_time: bool = False
    days_before_due: Sequence[int] = (1,)
    daily_when_overdue: bool = True
    escalate_after_days: int = 3  # per level; 0: never escalate


@dataclass(frozen=True)
class ReminderStep:
    """One reminder occasion of a campaign. ``key`` names it in de-duplication keys (``launch``, ``half``,
    ``before-3``, ``overdue-2``); ``kind`` is one of LAUNCH, HALF_TIME, BEFORE_DUE, OVERDUE and ``days`` the
    days before due (BEFORE_DUE) or overdue (OVERDUE), for the app's label."""

    key: str
    at: datetime
    kind: str
    days: int = 0


def reminder_steps(
    launched_at: datetime, due_at: datetime, schedule: Schedule, now: datetime
) -> list[ReminderStep]:
    """The campaign's reminder steps up to ``now`` (daily overdue steps only as far as today), by time. A
    step before the launch (3 days before due in a 2-day campaign) is left out."""
    steps = []
    if schedule.remind_at_launch:
        steps.append(ReminderStep(LAUNCH, launched_at, LAUNCH))
    if schedule.remind_at_half_time:
        steps.append(ReminderStep(HALF_TIME, launched_at + (due_at - launched_at) / 2, HALF_TIME))
    for days in sorted({int(d) for d in schedule.days_before_due or () if int(d) > 0}, reverse=True):
        steps.append(ReminderStep(f"before-{days}", due_at - timedelta(days=days), BEFORE_DUE, days))
    if schedule.daily_when_overdue and now >= due_at:
        day = int((now - due_at) / timedelta(days=1))
        steps.append(ReminderStep(f"overdue-{day}", due_at + timedelta(days=day), OVERDUE, day))
    return sorted((s for s in steps if s.at >= launched_at), key=lambda s: s.at)


def latest_due_step(
    launched_at: datetime, due_at: datetime, schedule: Schedule, now: datetime
) -> ReminderStep | None:
    """The step to send now: the latest whose time has passed (earlier missed steps are not sent)."""
    due = [step for step in reminder_steps(launched_at, due_at, schedule, now) if step.at <= now]
    return due[-1] if due else None


def escalation_level_due(due_at: datetime, days: int, now: datetime) -> int:
    """The escalation level an item still pending at ``now`` has reached: 0 before ``days`` overdue (or when
    ``days`` is 0: escalation off), 1 (manager) after ``days``, 2 (security officers) after twice that."""
    if not days or now < due_at:
        return NOT_ESCALATED
    return min(TO_OFFICERS, int((now - due_at) / timedelta(days=days)))


# --- The population snapshot --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Population:
    """A population frozen at launch: how many, and the SHA-256 of its canonical lines."""

    count: int
    sha256: str


def population_lines(rows: Iterable[Sequence[Any]]) -> list[str]:
    """Canonical population lines, the fields of each row joined by commas (``grant_id,email,system,role``
    for an access review, ``person_id,email`` for a policy campaign), sorted as text (what ``LC_ALL=C sort``
    gives)."""
    return sorted(",".join(str(field) for field in row) for row in rows)


def population_sha256(rows: Iterable[Sequence[Any]]) -> str:
    """SHA-256 of the canonical population: the sorted lines joined by newlines."""
    return population_snapshot(rows).sha256


def population_snapshot(rows: Iterable[Sequence[Any]]) -> Population:
    """Count and hash of the population ``rows`` (read once; only their lines are kept, to be sorted). A
    large population read from the database is better counted by ``population_snapshot_of``, which keeps
    none of it in memory."""
    return population_of_sorted_lines(population_lines(rows))


def population_of_sorted_lines(lines: Iterable[str]) -> Population:
    """Count and hash of canonical lines already in order, in one pass: the hash is fed line by line, so
    neither the lines nor the text they make are held together."""
    digest, count = hashlib.sha256(), 0
    for line in lines:
        digest.update(f"\n{line}".encode() if count else line.encode())
        count += 1
    return Population(count=count, sha256=digest.hexdigest())


def population_snapshot_of(
    queryset: models.QuerySet, fields: Sequence[str], *, chunk_size: int = 2_000
) -> Population:
    """Count and hash of the population ``queryset`` gives, its rows being ``fields`` (names or lookups of
    integers and text, e.g. ``grant_id``, ``holder__email``): the same ``Population`` as
    ``population_snapshot(queryset.values_list(*fields))``, with the canonical lines written and sorted by
    the database and read ``chunk_size`` at a time, so memory does not grow with the population (a launch
    of 100,000 items held all of them, then their lines, then the text they make). The database sorts
    them byte by byte (collation C: UTF-8's byte order is Python's order of code points), and a missing
    value (NULL) reads "None", as ``str(None)`` writes it."""
    parts: list[Any] = []
    for field in fields:
        parts += [Value(","), Coalesce(Cast(field, TextField()), Value("None"), output_field=TextField())]
    line = parts[1] if len(fields) == 1 else Concat(*parts[1:], output_field=TextField())
    binary = "C" if connections[queryset.db].vendor == "postgresql" else "BINARY"
    lines = (
        queryset.annotate(population_line=line)
        .order_by(Collate("population_line", binary))
        .values_list("population_line", flat=True)
    )
    return population_of_sorted_lines(lines.iterator(chunk_size=chunk_size))


# --- Evidence -----------------------------------------------------------------------------------------------
CHUNK_CHARACTERS = 1_000_000  # about a megabyte of evidence per stored chunk


@dataclass(frozen=True)
class EvidenceFile:
    """What ``store_evidence_csv`` wrote: the SHA-256 of the file's UTF-8 bytes and its data rows."""

    sha256: str
    rows: int


def cell(value: Any) -> str:
    """A CSV cell: text (dates ISO 8601), with spreadsheet formulas neutralised (CSV injection)."""
    return safe_cell("" if value is None else value)


def csv_pieces(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, chunk_characters: int = CHUNK_CHARACTERS
) -> Iterator[str]:
    """The CSV (header ``columns``, then ``rows``) in pieces of about ``chunk_characters``, a row never split
    across pieces. Lines end in CRLF (RFC 4180)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(value) for value in row])
        if buffer.tell() >= chunk_characters:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def store_evidence_csv(
    *,
    chunk_model: type[models.Model],
    campaign: models.Model,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    chunk_characters: int = CHUNK_CHARACTERS,
) -> EvidenceFile:
    """Write the evidence CSV as ``chunk_model`` rows of ``campaign`` (replacing any), hashing it as it is
    written; call inside the close transaction. ``rows`` is read once, ideally from an iterator."""
    chunks = chunk_model._default_manager
    chunks.filter(campaign=campaign).delete()
    digest = hashlib.sha256()
    counted = _Counted(rows)
    for position, text in enumerate(csv_pieces(columns, counted, chunk_characters=chunk_characters)):
        digest.update(text.encode("utf-8"))
        chunks.create(campaign=campaign, position=position, text=text)
    return EvidenceFile(sha256=digest.hexdigest(), rows=counted.count)


class _Counted:
    """The rows, counted as they pass."""

    def __init__(self, rows: Iterable[Sequence[Any]]):
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[Sequence[Any]]:
        for row in self.rows:
            self.count += 1
            yield row


def evidence_stream(chunk_model: type[models.Model], campaign: models.Model) -> Iterator[bytes]:
    """The stored evidence file, as UTF-8 bytes, one chunk at a time (one chunk in memory at a time)."""
    texts = (
        chunk_model._default_manager.filter(campaign=campaign)
        .order_by("position")
        .values_list("text", flat=True)
    )
    for text in texts.iterator(chunk_size=1):
        yield text.encode("utf-8")


def evidence_bytes(chunk_model: type[models.Model], campaign: models.Model) -> bytes:
    """The whole stored evidence file (for small files and tests; downloads use ``evidence_stream``)."""
    return b"".join(evidence_stream(chunk_model, campaign))


def iso(value: datetime | None) -> str:
    """A moment as ISO 8601 for evidence and manifests; empty for none."""
    return value.isoformat() if value is not None else ""


def evidence_manifest(
    *,
    file_name: str,
    file_sha256: str,
    row_count: int,
    population_count: int,
    population_sha256: str,
    generated_at: datetime | None,
    columns: Sequence[str],
    row_count_name: str = "row_count",
    **more: Any,
) -> dict[str, Any]:
    """What an evidence file is and how to check it offline: its name, SHA-256 and rows (under
    ``row_count_name``), the population's count and hash, when it was made, its columns, and what the app
    adds (``more``: the campaign, its close time ...)."""
    return {
        "file_name": file_name,
        "file_sha256": file_sha256,
        row_count_name: row_count,
        "population_count": population_count,
        "population_sha256": population_sha256,
        "generated_at": iso(generated_at),
        "columns": list(columns),
        **more,
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The manifest as the file people download: JSON, keys sorted, UTF-8, a final newline."""
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
