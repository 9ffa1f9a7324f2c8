"""Checkpoints of the audit trail, kept outside the database: what the hash chain was (the sequence and hash
of its last event) at a moment, signed with HMAC-SHA-256 under ``AUDIT_CHECKPOINT_KEY``, a key that lives in
the environment and never in the database.

The hash chain alone shows a changed or removed event only to whoever cannot recompute it: someone who can
write the tables can rewrite every hash after the event they changed, or cut the newest events and move the
chain head back, and the chain still fits. A checkpoint written before that, out of their reach (a file on
another disk, the auditors' mailboxes), does not: the event at its sequence then carries another hash, or
is gone. ``dpms.integrity`` writes them (a periodic task) and compares them (``verify_audit --checkpoints``,
the portal's verification); ``dpms.audit_csv`` compares an exported CSV of the trail with them offline.

A checkpoint is one line of JSON, appended to ``checkpoints.jsonl`` in ``AUDIT_CHECKPOINT_DIR``::

    {"sequence": 1042, "hash": "9f2c...", "at": "2026-05-04T10:00:00Z", "signature": "5b1e..."}

``signature`` is the HMAC-SHA-256, hex, of ``dpms-audit-checkpoint:v1\\n<sequence>\\n<hash>\\n<at>``.
"""

import fcntl
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FILE_NAME = "checkpoints.jsonl"
_LOCK_NAME = ".checkpoints.lock"
_VERSION = "dpms-audit-checkpoint:v1"
_STAMP = "%Y-%m-%dT%H:%M:%SZ"
_HEX64 = re.compile(r"[0-9a-f]{64}")


class CheckpointError(Exception):
    """A checkpoint that cannot be trusted: not one at all, altered, or signed with another key."""


@dataclass(frozen=True)
class Checkpoint:
    """The chain's last event (``sequence``, ``hash``) at ``at``, and the signature over the three."""

    sequence: int
    hash: str
    at: datetime
    signature: str
    origin: str = ""  # where it was read: "checkpoints.jsonl line 3"

    @property
    def label(self) -> str:
        where = f", {self.origin}" if self.origin else ""
        return f"the checkpoint of {self.at:%Y-%m-%d %H:%M:%S} UTC{where}"

    def line(self) -> str:
        data = {
            "sequence": self.sequence,
            "hash": self.hash,
            "at": _stamp(self.at),
            "signature": self.signature,
        }
        return json.dumps(data, separators=(", ", ": "))


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime(_STAMP)


def signature(key: str, *, sequence: int, hash: str, at: datetime) -> str:  # noqa: A002 - the chain's word
    message = f"{_VERSION}\n{sequence}\n{hash}\n{_stamp(at)}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def make(key: str, *, sequence: int, hash: str, at: datetime) -> Checkpoint:  # noqa: A002
    """A signed checkpoint (to the second: the time is part of what is signed, as the line writes it)."""
    at = at.astimezone(UTC).replace(microsecond=0)
    return Checkpoint(sequence, hash, at, signature(key, sequence=sequence, hash=hash, at=at))


def parse(text: str, *, key: str, origin: str = "") -> Checkpoint:
    """One line back into a checkpoint; ``CheckpointError`` naming ``origin`` when it is not a well-formed
    checkpoint or its signature does not match under ``key``."""
    try:
        data = json.loads(text)
        sequence, hash_, stamp, signed = data["sequence"], data["hash"], data["at"], data["signature"]
        if type(sequence) is not int or sequence < 1:
            raise ValueError("the sequence is not a number of 1 or more")
        if not isinstance(hash_, str) or not _HEX64.fullmatch(hash_):
            raise ValueError("the hash is not 64 hexadecimal digits")
        if not isinstance(signed, str) or not isinstance(stamp, str):
            raise ValueError("the time or the signature is not text")
        at = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{origin or 'checkpoint'}: not a checkpoint ({error})") from None
    checkpoint = Checkpoint(sequence, hash_, at, signed, origin)
    if not hmac.compare_digest(signature(key, sequence=sequence, hash=hash_, at=at), signed):
        raise CheckpointError(
            f"{origin or 'checkpoint'}: the signature does not match: the line was altered, or it was signed "
            "with another key than AUDIT_CHECKPOINT_KEY"
        )
    return checkpoint


def read(folder: Path, *, key: str) -> list[Checkpoint]:
    """Every checkpoint in the folder's ``*.jsonl`` files (the portal's own file, and any an auditor saved
    from the emails), by sequence. A folder that does not exist holds none. One bad line fails it all:
    a checkpoint that does not check out is a sign of tampering in itself."""
    found: list[Checkpoint] = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.jsonl")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CheckpointError(f"{path.name}: cannot be read ({error})") from None
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                found.append(parse(line, key=key, origin=f"{path.name} line {number}"))
    return sorted(found, key=lambda checkpoint: (checkpoint.sequence, checkpoint.at))


def by_sequence(checkpoints: list[Checkpoint]) -> dict[int, tuple[str, str]]:
    """``{sequence: (hash, label)}`` for ``dpms.audit.verify``. Two checkpoints of one sequence with
    different hashes cannot both be true: ``CheckpointError``."""
    found: dict[int, tuple[str, str]] = {}
    for checkpoint in checkpoints:
        seen = found.get(checkpoint.sequence)
        if seen is not None and seen[0] != checkpoint.hash:
            raise CheckpointError(
                f"{checkpoint.label} and {seen[1]} give event #{checkpoint.sequence} different hashes"
            )
        found.setdefault(checkpoint.sequence, (checkpoint.hash, checkpoint.label))
    return found


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the folder's lock: two checkpoint tasks at once (two beats) write one checkpoint, not two."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / _LOCK_NAME, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def append(folder: Path, checkpoint: Checkpoint) -> Path:
    """Add the checkpoint's line to the folder's file: opened for appending only, and synced to disk before
    it is mailed. (``chattr +a`` on the file makes the kernel refuse anything but appends, even to root's
    processes short of removing the flag: see the README.)"""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (checkpoint.line() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return path
