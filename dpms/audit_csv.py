"""The audit trail as CSV: the export's columns, and checking an export offline against the checkpoints.

The export carries every field the hash covers (``dpms.audit.HASHED_FIELDS``, the actor's id among them) and
the hash itself, so an auditor recomputes each row's hash, each link to the row before, and compares the rows
at checkpointed sequences with the signed checkpoints (``dpms.checkpoints``), with no access to the portal
or its database: ``manage.py verify_audit --csv EXPORT.csv --checkpoints FOLDER``.

A cell starting like a spreadsheet formula is exported with a leading quote (``dpms.csvexport.safe_cell``);
the check tries a row's such cells with and without it, since a value may itself begin with a quote.
"""

import csv
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from dpms import audit, checkpoints
from dpms.checkpoints import Checkpoint
from dpms.csvexport import FORMULA_STARTS
from dpms.models import AuditEvent

COLUMNS = (*audit.HASHED_FIELDS, "hash")
_TEXT = (
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "source",
    "request_id",
    "client_ip",
)
_MAX_AMBIGUOUS = 6  # cells of one row tried both ways (2**6 readings at most)
_FILTERED = "rows were removed, or it was exported with a filter (then check it with --filtered)"


def export_row(event: AuditEvent) -> list:
    """One event as the export writes it (before ``safe_cell``): ``changes`` as sorted JSON, "" when empty."""
    values = {name: getattr(event, name) for name in COLUMNS}
    values["changes"] = json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else ""
    return [values[name] for name in COLUMNS]


@dataclass
class CsvCheck:
    """What ``verify_csv`` found: the rows checked, whether they are the whole chain from #1, the checkpoints
    compared (and the latest matched), those past the export's end, and the first bad row if any."""

    ok: bool
    rows: int = 0
    first_sequence: int | None = None
    last_sequence: int | None = None
    whole: bool = False
    compared: int = 0
    matched: Checkpoint | None = None
    later: list[Checkpoint] = field(default_factory=list)
    bad_sequence: int | None = None
    reason: str = ""


def _event(row: dict, unquoted: Iterable[str]) -> AuditEvent:
    values = dict(row)
    for name in unquoted:
        values[name] = values[name][1:]
    return AuditEvent(
        sequence=int(values["sequence"]),
        occurred_at=datetime.fromisoformat(values["occurred_at"]),
        actor_id=int(values["actor_id"]) if values["actor_id"] else None,
        actor_label=values["actor_label"],
        action=values["action"],
        object_type=values["object_type"],
        object_id=values["object_id"],
        object_label=values["object_label"],
        changes=json.loads(values["changes"]) if values["changes"] else {},
        source=values["source"],
        request_id=values["request_id"],
        client_ip=values["client_ip"] or None,
        prev_hash=values["prev_hash"],
    )


def _genuine(row: dict) -> AuditEvent | None:
    """The event the row is, read so that its hash is the row's (None when no reading gives it)."""
    quoted = [n for n in _TEXT if row[n][:1] == "'" and row[n][1:2] and row[n][1] in FORMULA_STARTS]
    if len(quoted) > _MAX_AMBIGUOUS:
        readings: Iterable[tuple[str, ...]] = (tuple(quoted), ())
    else:
        readings = (c for r in range(len(quoted), -1, -1) for c in itertools.combinations(quoted, r))
    for unquoted in readings:
        event = _event(row, unquoted)
        if audit.compute_hash(event) == row["hash"]:
            return event
    return None


def verify_csv(lines: Iterable[str], *, found: list[Checkpoint], filtered: bool = False) -> CsvCheck:
    """Check an export of the trail (its lines, header first, oldest event first, as the portal writes it)
    against the checkpoints ``found``: every row's hash, every link between consecutive rows, and the hash
    at every checkpointed sequence the export holds. ``ok`` needs at least one checkpoint compared.

    The export must be the whole chain from #1, every event in order: a row removed from the file leaves a
    gap the links cannot bridge. ``filtered`` accepts the gaps of an export made with the page's filters;
    each row is still checked, but not the links across gaps."""
    expected = checkpoints.by_sequence(found)
    reader = csv.DictReader(lines)
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        return CsvCheck(
            False, reason=f"the CSV lacks the column(s) {', '.join(missing)}: not an audit export"
        )
    check = CsvCheck(False)
    previous: tuple[int, str] | None = None
    for line, row in enumerate(reader, 2):
        try:
            sequence = int(row["sequence"])
            event = _genuine(row)
        except (TypeError, ValueError) as error:
            return _bad(check, None, f"line {line}: not an audit event ({error})")
        if previous is not None and sequence <= previous[0]:
            return _bad(
                check, sequence, f"line {line}: #{sequence} after #{previous[0]}: not the chain's order"
            )
        if event is None:
            return _bad(check, sequence, f"event #{sequence} (line {line}): content does not match its hash")
        if previous is None:
            check.first_sequence, check.whole = sequence, sequence == 1
            if sequence == 1 and event.prev_hash != audit.GENESIS_HASH:
                return _bad(check, 1, "event #1 does not start the chain")
            if sequence != 1 and not filtered:
                return _bad(check, sequence, f"the export starts at #{sequence}, not #1: {_FILTERED}")
        elif sequence == previous[0] + 1:
            if event.prev_hash != previous[1]:
                return _bad(
                    check, sequence, f"event #{sequence}: its previous hash does not match #{previous[0]}"
                )
        elif filtered:
            check.whole = False
        else:
            first, last = previous[0] + 1, sequence - 1
            gap = f"events #{first}..#{last} are" if last > first else f"event #{first} is"
            return _bad(check, sequence, f"{gap} missing from the export: {_FILTERED}")
        if sequence in expected:
            cp_hash, cp_label = expected[sequence]
            if row["hash"] != cp_hash:
                return _bad(
                    check, sequence, f"event #{sequence} does not match {cp_label}: the trail was rewritten"
                )
            check.compared += 1
            check.matched = next(c for c in reversed(found) if c.sequence == sequence)
        previous = (sequence, row["hash"])
        check.rows += 1
        check.last_sequence = sequence
    if not check.rows:
        return _bad(check, None, "the CSV holds no events")
    check.later = [c for c in found if c.sequence > (check.last_sequence or 0)]
    if not check.compared:
        return _bad(check, None, "no checkpoint falls on an event of this export: nothing to compare it with")
    check.ok = True
    return check


def _bad(check: CsvCheck, sequence: int | None, reason: str) -> CsvCheck:
    check.ok, check.bad_sequence, check.reason = False, sequence, reason
    return check
