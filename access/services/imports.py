"""Imports: bring grants in from a CSV export of one or several systems, all-or-nothing, in the background.

``import_plan`` parses and checks a file and says what applying it would do; it writes nothing (the preview).
Its rows are checked against the rules of a new grant too (``access.services.grants.new_grant_refusals``, the
ones the grants will be written under), so the preview refuses what the import would. ``import_apply``
re-checks the same content inside one transaction and applies it, or raises with every problem, each by
its row, and applies nothing. A grant absent from a *full* import of its system is flagged for
reconciliation with a finding, never revoked; a row naming a grant that was revoked opens a "revoked but
still present" finding and is never re-granted silently.

An upload does not wait in the web request: ``import_job_create`` stores the file as an ``ImportJob`` and a
Celery task checks it (``import_job_check``); its uploader reads the result and confirms
(``import_job_confirm``), and another task applies it (``import_job_apply``, which is ``import_apply``'s
work plus the job's bookkeeping). A tick step (``import_jobs_sweep``) sends a lost task again, a few times,
then ends the job failed.

The apply writes everything else first and the audit trail last: the grants' events and the
``access.import.apply`` event go in one ``audit.record_many`` right before the commit, so the audit chain's
head (which every audited write in every process waits for) is locked only for that last write.

The lookups are done once per file (people, systems with their roles, the grants of those systems), into
maps in memory, so checking 50 or 50,000 rows costs the same number of queries.
"""

import csv
import datetime
import hashlib
import io
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access.choices import FindingKind, GrantSource, ImportJobPhase, ImportJobState
from access.models import Finding, Grant, ImportBatch, ImportJob, Role, System
from access.queries.imports import can_upload_imports, may_act_on_import_job, may_import_system
from access.services.grants import BULK_BATCH, GrantsRefused, grants_create_many, new_grant_refusals
from dpms import audit
from dpms.enqueue import enqueue
from dpms.models import User
from dpms.notify import language_of

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("email", "system", "role")
OPTIONAL_COLUMNS = ("granted_at", "justification", "expires_at")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# The column of the file that holds what a refused grant's ``GrantRefusal.about`` names.
COLUMN_OF = {"user": "email", "role": "role", "expires_at": "expires_at", "": ""}
MAX_FILE_BYTES = 5 * 1024 * 1024
# Bulk updates are chunked so a huge file never exceeds a database's limit of bound parameters.
CHUNK = 1000
# What a job's page lists of the problems, the warnings and the grants to flag (with how many more there are).
LIST_LIMIT = 200
# The tasks (``access.tasks``) are sent by name: the tasks module calls this one, not back.
CHECK_TASK = "access.tasks.check_import"
APPLY_TASK = "access.tasks.apply_import"
# A job checking or applying with no sign of life for this long lost its task (the worker died, the broker
# lost the message): past the task time limit, so a running task has been stopped by then.
STALLED_AFTER = datetime.timedelta(minutes=10)
# How many times a job's step is sent at most (the first time and the sweep's re-sends) before it ends failed.
MAX_ATTEMPTS = 3
# A job nobody confirmed or discarded (or that ended without importing) is deleted after this long.
UNCONFIRMED_KEPT = datetime.timedelta(days=7)
# At most one progress write per this many seconds (and one per change of phase).
PROGRESS_EVERY = 0.5
RUNNING = (ImportJobState.CHECKING, ImportJobState.APPLYING)

# ``progress(phase, done, total)``: where the work is (an ``ImportJobPhase``), in rows or grants.
Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    """The progress of work nobody watches (a direct ``import_plan`` or ``import_apply``)."""


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file; ``row`` is the spreadsheet row (the header is row 1)."""

    row: int
    message: str
    column: str = ""


@dataclass
class ImportRow:
    row: int
    email: str
    system: str
    role: str
    granted_at: datetime.datetime | None = None
    justification: str = ""
    expires_at: datetime.datetime | None = None


@dataclass
class ImportPlan:
    """What applying a file would do. ``problems`` stop the import; ``warnings`` do not."""

    filename: str
    sha256: str
    full: bool
    row_count: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    systems: list[System] = field(default_factory=list)
    to_create: list[tuple[ImportRow, object, Role]] = field(default_factory=list)
    unchanged: list[Grant] = field(default_factory=list)
    revoked_present: list[tuple[ImportRow, Grant]] = field(default_factory=list)
    to_flag: list[Grant] = field(default_factory=list)
    to_clear: list[Grant] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def already_flagged_count(self) -> int:
        return sum(1 for grant in self.to_flag if grant.reconciliation_flagged_at is not None)


# --- Parsing (no database) ---------------------------------------------------------------------------


def file_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def count_rows(content: bytes) -> int:
    """The file's rows but the header, counted by lines: the total a check's progress counts towards."""
    lines = content.count(b"\n") + (0 if content.endswith(b"\n") or not content else 1)
    return max(0, lines - 1)


def _parse_date(value: str, column: str, row: int, problems: list) -> datetime.datetime | None:
    """An ISO date (midnight, installation time zone) or an ISO date and time; empty is None."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = datetime.date.fromisoformat(value)
            moment = datetime.datetime.combine(day, datetime.time.min)
        else:
            moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        problems.append(
            ImportProblem(row, _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": value}, column)
        )
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _decode(content: bytes, problems: list) -> str | None:
    if not content.strip():
        problems.append(ImportProblem(1, _("The file is empty: a header row is required.")))
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(
            ImportProblem(
                1, _("The file is not UTF-8 (byte %(byte)d is not valid).") % {"byte": error.start + 1}
            )
        )
        return None


def parse_rows(
    content: bytes, problems: list[ImportProblem], *, now, progress: Progress = _no_progress
) -> list[ImportRow]:
    """The rows of a file, and every problem of form on the way (columns, values, dates, duplicates)."""
    total = count_rows(content)
    text = _decode(content, problems)
    if text is None:
        return []
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many locales save CSV with semicolons; the header tells which one this file uses.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except (StopIteration, csv.Error):
        problems.append(ImportProblem(1, _("The header row cannot be read.")))
        return []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    doubled = sorted({name for name in header if header.count(name) > 1})
    if missing:
        problems.append(ImportProblem(1, _("Missing column: %(columns)s.") % {"columns": ", ".join(missing)}))
    if unknown:
        problems.append(
            ImportProblem(
                1,
                _("Unknown column: %(columns)s (expected: %(expected)s).")
                % {"columns": ", ".join(unknown), "expected": ", ".join(COLUMNS)},
            )
        )
    if doubled:
        problems.append(
            ImportProblem(1, _("Column named twice: %(columns)s.") % {"columns": ", ".join(doubled)})
        )
    if missing or unknown or doubled:
        return []
    rows: list[ImportRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    number = 1
    try:
        for cells in reader:
            number += 1
            if number % CHUNK == 0:
                progress(ImportJobPhase.READING, min(number - 1, total), total)
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) != len(header):
                problems.append(
                    ImportProblem(
                        number,
                        _("This row has %(cells)d cells; the header has %(header)d.")
                        % {"cells": len(cells), "header": len(header)},
                    )
                )
                continue
            row = _row_from_cells(
                dict(zip(header, (c.strip() for c in cells), strict=True)), number, problems, now
            )
            if row is None:
                continue
            key = (row.email, row.system, row.role)
            if key in seen:
                problems.append(
                    ImportProblem(number, _("Duplicate row: the same as row %(row)d.") % {"row": seen[key]})
                )
                continue
            seen[key] = number
            rows.append(row)
    except csv.Error as error:
        problems.append(
            ImportProblem(number, _("This row cannot be read as CSV (%(error)s).") % {"error": error})
        )
    return rows


def _row_from_cells(values: dict, number: int, problems: list, now) -> ImportRow | None:
    before = len(problems)
    for name in REQUIRED_COLUMNS:
        if not values.get(name):
            problems.append(
                ImportProblem(number, _("Missing value: %(column)s is required.") % {"column": name}, name)
            )
    granted_at = _parse_date(values.get("granted_at", ""), "granted_at", number, problems)
    expires_at = _parse_date(values.get("expires_at", ""), "expires_at", number, problems)
    if granted_at and granted_at > now:
        problems.append(ImportProblem(number, _("granted_at is in the future."), "granted_at"))
    if granted_at and expires_at and expires_at <= granted_at:
        problems.append(ImportProblem(number, _("expires_at must be after granted_at."), "expires_at"))
    if len(problems) > before:
        return None
    return ImportRow(
        row=number,
        email=values["email"].lower(),
        system=values["system"],
        role=values["role"],
        granted_at=granted_at,
        justification=values.get("justification", ""),
        expires_at=expires_at,
    )


# --- Planning (reads only) ---------------------------------------------------------------------------


def import_plan(
    *,
    actor,
    filename: str,
    content: bytes,
    full: bool,
    now=None,
    lock: bool = False,
    progress: Progress = _no_progress,
) -> ImportPlan:
    """Check a file and work out what applying it would do. Reads only: the check step calls it as is.

    A fixed number of queries whatever the number of rows: people, systems (with their roles) and the
    grants of those systems are each read once into maps. Problems and warnings come in row order.
    ``progress`` hears of the rows read, then of the rows compared with the register.
    """
    plan = _plan(
        actor=actor,
        filename=filename,
        content=content,
        full=full,
        now=now or timezone.now(),
        lock=lock,
        progress=progress,
    )
    plan.problems.sort(key=lambda problem: problem.row)
    plan.warnings.sort(key=lambda problem: problem.row)
    return plan


def _plan(
    *, actor, filename: str, content: bytes, full: bool, now, lock: bool, progress: Progress
) -> ImportPlan:
    plan = ImportPlan(filename=filename, sha256=file_sha256(content), full=full)
    if len(content) > MAX_FILE_BYTES:
        plan.problems.append(
            ImportProblem(
                1, _("The file is larger than %(size)d MB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}
            )
        )
        return plan
    rows = parse_rows(content, plan.problems, now=now, progress=progress)
    plan.row_count = len(rows) + len({problem.row for problem in plan.problems if problem.row > 1})
    if not rows:
        if not plan.problems:
            plan.problems.append(ImportProblem(1, _("The file has a header but no rows.")))
        return plan

    progress(ImportJobPhase.LOOKING_UP, 0, 0)
    systems_query = System.objects.filter(name__in={row.system for row in rows}).prefetch_related("roles")
    if lock:
        # Two imports of the same system at once would both plan from the same grants and both create;
        # holding the system rows until commit makes the second wait and plan from the first's result.
        systems_query = systems_query.select_for_update()
    systems = {system.name: system for system in systems_query}
    roles = {(system.name, role.name): role for system in systems.values() for role in system.roles.all()}
    people: dict[str, User] = {}
    emails = sorted({row.email for row in rows})
    for chunk in _chunks(emails, 5 * CHUNK):  # a few thousand bound parameters per query at most
        people.update(
            (person.email, person) for person in User.objects.people().filter(is_active=True, email__in=chunk)
        )
    plan.systems = sorted(systems.values(), key=lambda system: system.name)
    allowed = {name for name, system in systems.items() if may_import_system(actor, system)}

    resolved = []
    for row in rows:
        if row.email not in people:
            plan.problems.append(
                ImportProblem(
                    row.row,
                    _("Unknown person: no active user with the email %(email)s.") % {"email": row.email},
                    "email",
                )
            )
        if row.system not in systems:
            plan.problems.append(
                ImportProblem(row.row, _("Unknown system “%(system)s”.") % {"system": row.system}, "system")
            )
        elif row.system not in allowed:
            plan.problems.append(
                ImportProblem(
                    row.row,
                    _("You may not import grants of the system “%(system)s”.") % {"system": row.system},
                    "system",
                )
            )
        elif (row.system, row.role) not in roles:
            plan.problems.append(
                ImportProblem(
                    row.row,
                    _("Unknown role “%(role)s” on the system “%(system)s”.")
                    % {"role": row.role, "system": row.system},
                    "role",
                )
            )
        elif row.email in people:
            resolved.append((row, people[row.email], roles[(row.system, row.role)]))
    if plan.problems:
        return plan
    _plan_changes(plan, resolved, systems.values(), now, progress)
    return plan


def _existing_grants(plan: ImportPlan, resolved: list, systems: Iterable[System]):
    """The grants the plan compares the file with. A full export: every grant of its systems (those absent
    from the file are flagged). Otherwise only grants of the people and roles the file names, so a file of
    a few rows does not read every grant of the systems it touches."""
    related = ("user", "role__system")
    if plan.full:
        yield from (
            Grant.objects.filter(role__system__in=list(systems))
            .select_related(*related)
            .order_by("revoked_at")
        )
        return
    role_ids = sorted({role.pk for _row, _person, role in resolved})
    person_ids = sorted({person.pk for _row, person, _role in resolved})
    found: list[Grant] = []
    for chunk in _chunks(person_ids, 5 * CHUNK):  # a few thousand bound parameters per query at most
        found += Grant.objects.filter(user_id__in=chunk, role_id__in=role_ids).select_related(*related)
    # Revoked ones by revocation time, so that the latest revocation of a role wins.
    never = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    yield from sorted(found, key=lambda grant: grant.revoked_at or never)


def _plan_changes(
    plan: ImportPlan, resolved: list, systems: Iterable[System], now, progress: Progress
) -> None:
    active, revoked = {}, {}
    for grant in _existing_grants(plan, resolved, systems):
        key = (grant.user_id, grant.role_id)
        if grant.revoked_at is None:
            active[key] = grant
        else:
            revoked[key] = grant  # ordered by revoked_at: the latest revocation wins
    present = set()
    progress(ImportJobPhase.COMPARING, 0, len(resolved))
    for number, (row, person, role) in enumerate(resolved, 1):
        if number % CHUNK == 0:
            progress(ImportJobPhase.COMPARING, number, len(resolved))
        key = (person.pk, role.pk)
        if key in active:
            present.add(key)
            plan.unchanged.append(active[key])
            if active[key].reconciliation_flagged_at is not None:
                plan.to_clear.append(active[key])
        elif key in revoked:
            grant = revoked[key]
            plan.revoked_present.append((row, grant))
            plan.warnings.append(
                ImportProblem(
                    row.row,
                    _(
                        "%(email)s still holds “%(role)s” on “%(system)s”, revoked on %(date)s: not granted "
                        "again; a “revoked but still present” finding is opened."
                    )
                    % {
                        "email": person.email,
                        "role": role.name,
                        "system": role.system.name,
                        "date": f"{timezone.localtime(grant.revoked_at):%Y-%m-%d}",
                    },
                )
            )
        else:
            # The rules of a new grant, as grants_create_many will apply them: refused here, with the row.
            refusals = new_grant_refusals(
                user=person, role=role, expires_at=row.expires_at, source=GrantSource.IMPORT, now=now
            )
            plan.problems += [
                ImportProblem(row.row, refusal.message, COLUMN_OF[refusal.about]) for refusal in refusals
            ]
            plan.to_create.append((row, person, role))
    if plan.full:
        plan.to_flag = [grant for key, grant in active.items() if key not in present]
        plan.to_flag.sort(key=lambda grant: (grant.role.system.name, grant.role.name, grant.user.email))


# --- Applying ----------------------------------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ImportRefused(ValidationError):
    """``import_apply``'s refusal: every problem as "Row N: message", and the plan that found them."""

    def __init__(self, plan: ImportPlan):
        super().__init__([f"Row {problem.row}: {problem.message}" for problem in plan.problems])
        self.plan = plan


@dataclass
class AppliedImport:
    """What ``_apply`` did: the batch, how many audit events it wrote, and when (``time.perf_counter``) it
    started writing them, that is when it asked for the audit chain's lock."""

    batch: ImportBatch
    audit_events: int
    audit_started: float
    # What the apply built (the plan with its maps, the new grants, the events), for the caller to let go
    # of after the commit: freeing 20,000 of each takes hundredths of a second, and when ``_apply``
    # returned it was taken with the chain's head still locked.
    built: tuple = ()


def import_apply(*, actor, filename: str, content: bytes, full: bool, now=None) -> ImportBatch:
    """Apply a file all-or-nothing: any problem raises ``ImportRefused`` (a ``ValidationError``) listing them
    all, and nothing is written. Records an ``ImportBatch`` (also when nothing changes), one audit event per
    created grant and one ``access.import.apply`` event naming the batch and every grant it created,
    flagged, cleared or found revoked but present: all of them in one batch, the transaction's last write."""
    with transaction.atomic():
        applied = _apply(actor=actor, filename=filename, content=content, full=full, now=now)
    return applied.batch  # what it built is let go of here, after the commit


def _apply(
    *,
    actor,
    filename: str,
    content: bytes,
    full: bool,
    now=None,
    progress: Progress = _no_progress,
    before_audit: Callable[[ImportBatch], None] | None = None,
) -> AppliedImport:
    """``import_apply``'s work, inside the caller's transaction. The order matters: check again (locking the
    systems), write the batch, the grants, the last-seen dates, flags and findings, then ``before_audit``
    (the job's claim), the events built and the deferred foreign-key checks run, and only then the audit
    events written, all in one ``append_many``: the audit chain's head, locked by that call until the
    commit, is held for that one write (and a commit with nothing left to check), not for the whole import.

    ``progress`` must not be called after ``before_audit``: a job's progress is written through a second
    connection to the job row, which ``before_audit`` has locked by then."""
    now = now or timezone.now()
    plan = import_plan(
        actor=actor, filename=filename, content=content, full=full, now=now, lock=True, progress=progress
    )
    if not plan.ok:
        raise ImportRefused(plan)
    batch = ImportBatch.objects.create(
        uploaded_by=actor,
        uploaded_at=now,
        filename=filename[:255],
        sha256=plan.sha256,
        full=full,
        row_count=plan.row_count,
        created_count=len(plan.to_create),
        unchanged_count=len(plan.unchanged),
        flagged_count=len(plan.to_flag),
        revoked_present_count=len(plan.revoked_present),
        cleared_count=len(plan.to_clear),
    )
    batch.systems.set(plan.systems)
    events: list[dict] = []
    new = len(plan.to_create)
    progress(ImportJobPhase.WRITING, 0, new)
    try:
        created = grants_create_many(
            actor=actor,
            grants=[
                {
                    "user": person,
                    "role": role,
                    "justification": row.justification
                    or f"Imported from {batch.filename} (import #{batch.pk}).",
                    "expires_at": row.expires_at,
                    "source": GrantSource.IMPORT,
                    "granted_at": row.granted_at or now,
                }
                for row, person, role in plan.to_create
            ],
            events=events,
            progress=lambda done: progress(ImportJobPhase.WRITING, done, new),
            now=now,  # the moment the plan checked the same rules at
        )
    except GrantsRefused as refused:
        # The plan checked these rules a moment ago; what is refused now changed meanwhile (a grant given
        # by hand): named by its row, like every problem of a check. The caller's transaction rolls back.
        if refused.index is None:
            raise
        row = plan.to_create[refused.index][0]
        plan.problems = [ImportProblem(row.row, " ".join(refused.messages), COLUMN_OF[refused.about])]
        raise ImportRefused(plan) from refused
    progress(ImportJobPhase.UPDATING, 0, 0)
    seen_ids = [grant.pk for grant in created + plan.unchanged] + [g.pk for _row, g in plan.revoked_present]
    for ids in _chunks(seen_ids):
        Grant.objects.filter(pk__in=ids).update(last_seen_in_import_at=now)
    _clear_flags(plan, batch, actor, now)
    _flag_absent(plan, batch, now)
    _open_revoked_findings(plan, batch, now)
    events.append(
        {
            "action": "access.import.apply",
            "actor": actor,
            "obj": batch,
            "changes": {
                "filename": batch.filename,
                "sha256": batch.sha256,
                "full": full,
                "systems": [system.name for system in plan.systems],
                "rows": batch.row_count,
                "created": batch.created_count,
                "unchanged": batch.unchanged_count,
                "flagged": batch.flagged_count,
                "cleared": batch.cleared_count,
                "revoked_still_present": batch.revoked_present_count,
                "created_grant_ids": [grant.pk for grant in created],
                "flagged_grant_ids": [grant.pk for grant in plan.to_flag],
                "cleared_grant_ids": [grant.pk for grant in plan.to_clear],
                "revoked_present_grant_ids": [grant.pk for _row, grant in plan.revoked_present],
            },
        }
    )
    progress(ImportJobPhase.AUDITING, 0, len(events))
    if before_audit is not None:
        before_audit(batch)
    prepared = audit.prepare_many(events)  # before the chain's lock: only chaining and writing under it
    audit.settle_deferred_checks()  # the grants' foreign keys checked now, not at the commit under the lock
    audit_started = time.perf_counter()
    audit.append_many(prepared, batch_size=BULK_BATCH)
    return AppliedImport(
        batch=batch,
        audit_events=len(events),
        audit_started=audit_started,
        built=(plan, created, seen_ids, events, prepared),
    )


def _clear_flags(plan: ImportPlan, batch: ImportBatch, actor, now) -> None:
    """Flagged grants present again: the flag goes and their open "absent" finding is resolved."""
    ids = [grant.pk for grant in plan.to_clear]
    for chunk in _chunks(ids):
        Grant.objects.filter(pk__in=chunk).update(reconciliation_flagged_at=None)
        Finding.objects.filter(
            kind=FindingKind.ABSENT_FROM_IMPORT, grant_id__in=chunk, resolved_at__isnull=True
        ).update(
            resolved_at=now,
            resolved_by=actor,
            resolution=f"Present again in import #{batch.pk} ({batch.filename}).",
        )


def _open_findings(kind: str, pairs: list[tuple[Grant, str]], now) -> None:
    """Open one finding per grant unless one of this kind is already open (one open finding per subject)."""
    ids = [grant.pk for grant, _details in pairs]
    open_ids = set()
    for chunk in _chunks(ids):
        open_ids |= set(
            Finding.objects.filter(kind=kind, grant_id__in=chunk, resolved_at__isnull=True).values_list(
                "grant_id", flat=True
            )
        )
    Finding.objects.bulk_create(
        [
            Finding(kind=kind, system_id=grant.role.system_id, grant=grant, details=details, opened_at=now)
            for grant, details in pairs
            if grant.pk not in open_ids
        ],
        batch_size=CHUNK,
    )


def _flag_absent(plan: ImportPlan, batch: ImportBatch, now) -> None:
    """Absent from a full export: flagged, a finding opened; the grant stays active (never revoked here)."""
    newly = [grant.pk for grant in plan.to_flag if grant.reconciliation_flagged_at is None]
    for chunk in _chunks(newly):
        Grant.objects.filter(pk__in=chunk).update(reconciliation_flagged_at=now)
    details = f"Absent from the full import #{batch.pk} ({batch.filename}) of {now:%Y-%m-%d}."
    _open_findings(FindingKind.ABSENT_FROM_IMPORT, [(grant, details) for grant in plan.to_flag], now)


def _open_revoked_findings(plan: ImportPlan, batch: ImportBatch, now) -> None:
    pairs = [
        (
            grant,
            f"Revoked on {timezone.localtime(grant.revoked_at):%Y-%m-%d} ({grant.revoke_reason}) but still "
            f"present in import #{batch.pk} ({batch.filename}), row {row.row}.",
        )
        for row, grant in plan.revoked_present
    ]
    _open_findings(FindingKind.REVOKED_STILL_PRESENT, pairs, now)


# --- Jobs: the upload, checked and applied in the background ------------------------------------------


class JobProgress:
    """Writes a running job's phase, ``done`` of ``total`` and heartbeat (``progress_at``) where the import
    page, polling from the web process, reads them while the work goes on.

    The check runs in autocommit, so it writes through its own connection and each write is seen at once.
    The apply runs in one transaction, and nothing it writes through its connection is seen before the
    commit; so on PostgreSQL its progress goes through a second connection of its own, opened for the apply
    and closed after it. The apply does not touch the job row until its last step (the claim, after the last
    progress write), so the two connections never wait for each other. On SQLite a second writer would wait
    for the apply's transaction (the database has one writer at a time): there the apply writes no progress,
    and the page says the import is under way without a count.

    At most one write per ``PROGRESS_EVERY`` seconds, plus one per change of phase; the raw ``UPDATE``
    works on either connection (the second one is not an ORM alias)."""

    def __init__(self, job_id: int, *, state: str, side_connection: bool = False):
        self.job_id, self.state = job_id, state
        self.own = side_connection and connection.vendor == "postgresql"
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS) if self.own else connection
        self.enabled = self.own or not side_connection
        self.phase, self.written = "", 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        moment = time.monotonic()
        if not self.enabled or (phase == self.phase and moment - self.written < PROGRESS_EVERY):
            return
        self.phase, self.written = phase, moment
        ops = self.connection.ops
        sets = ", ".join(f"{ops.quote_name(name)} = %s" for name in ("phase", "done", "total", "progress_at"))
        table, pk, state = (ops.quote_name(name) for name in (ImportJob._meta.db_table, "id", "state"))
        sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s AND {state} = %s"  # noqa: S608 - names quoted, values bound
        moment_value: Any = ops.adapt_datetimefield_value(timezone.now())  # a datetime, or text on SQLite
        values = [phase, done, total, moment_value, self.job_id, self.state]
        with self.connection.cursor() as cursor:
            cursor.execute(sql, values)

    def close(self) -> None:
        if self.own:
            self.connection.close()


def _enqueue(task: str, job_id: int) -> None:
    """Runs after commit, once (``dpms.enqueue``): broker down, import_jobs_sweep sends it again once the job
    looks stalled."""
    enqueue(task, [job_id])


def plan_summary(plan: ImportPlan) -> dict:
    """What a job keeps of a check, as JSON, for its page: the counts, and the first ``LIST_LIMIT``
    problems, warnings and grants to flag, with how many more there are."""

    def listed(name: str, items: list, shown: list) -> dict:
        return {name: shown, f"{name}_count": len(items), f"{name}_not_listed": len(items) - len(shown)}

    to_flag = [
        {
            "email": grant.user.email,
            "system": grant.role.system.name,
            "role": grant.role.name,
            "granted_at": timezone.localtime(grant.granted_at).date().isoformat(),
        }
        for grant in plan.to_flag[:LIST_LIMIT]
    ]
    return {
        "row_count": plan.row_count,
        "systems": [system.name for system in plan.systems],
        **listed("problems", plan.problems, [asdict(problem) for problem in plan.problems[:LIST_LIMIT]]),
        **listed("warnings", plan.warnings, [asdict(warning) for warning in plan.warnings[:LIST_LIMIT]]),
        "to_create": len(plan.to_create),
        "unchanged": len(plan.unchanged),
        "to_clear": len(plan.to_clear),
        "revoked_present": len(plan.revoked_present),
        "already_flagged": plan.already_flagged_count,
        **listed("to_flag", plan.to_flag, to_flag),
    }


@transaction.atomic
def import_job_create(*, actor, filename: str, content: bytes, full: bool) -> ImportJob:
    """Store an uploaded file as a job and send it to be checked (after commit). Nothing is imported until
    its uploader confirms the check's result."""
    if actor is None or not can_upload_imports(actor):
        raise ValidationError(_("Only security officers and system owners import grants."))
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(size)d MB.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}}
        )
    job = ImportJob.objects.create(
        uploaded_by=actor,
        filename=(filename or "upload.csv")[:255],
        sha256=file_sha256(content),
        full=full,
        size=len(content),
        content=content,
        total=count_rows(content),
        attempts=1,
    )
    transaction.on_commit(partial(_enqueue, CHECK_TASK, job.pk))
    return job


def import_job_check(*, job_id: int) -> str:
    """The check task's work: run ``import_plan`` over a job's file and keep its summary; the job is then
    ``checked`` (waiting for its uploader) or ``check_failed`` (the problems with their rows; the file is
    dropped). No transaction: it only reads, and its progress is written as it goes. A job that is not
    being checked (done already, discarded) is left alone. Returns the job's state."""
    job = ImportJob.objects.select_related("uploaded_by").filter(pk=job_id).first()
    if job is None or job.state != ImportJobState.CHECKING:
        return job.state if job is not None else ""
    # The problems and warnings are kept written out: in the uploader's language, who acts on them.
    with translation.override(language_of(job.uploaded_by)):
        return _check(job)


def _check(job: ImportJob) -> str:
    job_id = job.pk
    ImportJob.objects.filter(pk=job_id).update(progress_at=timezone.now())
    plan = import_plan(
        actor=job.uploaded_by,
        filename=job.filename,
        content=bytes(job.content),
        full=job.full,
        progress=JobProgress(job_id, state=ImportJobState.CHECKING),
    )
    now = timezone.now()
    state = ImportJobState.CHECKED if plan.ok else ImportJobState.CHECK_FAILED
    fields: dict = {"state": state, "result": plan_summary(plan), "checked_at": now, "progress_at": now}
    fields |= {"phase": "", "done": plan.row_count, "total": plan.row_count}
    if not plan.ok:
        fields |= {"content": b"", "finished_at": now}
    ImportJob.objects.filter(pk=job_id, state=ImportJobState.CHECKING).update(**fields)
    return state


@transaction.atomic
def import_job_confirm(*, job: ImportJob, actor) -> None:
    """The uploader confirms a checked job (one without problems): it is sent to be applied (after commit)."""
    if not may_act_on_import_job(actor, job):
        raise ValidationError(_("Only the person who uploaded the file confirms its import."))
    now = timezone.now()
    # The claim: of two confirms at once (a double click, two tabs) only one still finds the job checked,
    # so the apply is sent once.
    waiting = ImportJob.objects.filter(pk=job.pk, uploaded_by=actor, state=ImportJobState.CHECKED)
    claimed = waiting.update(
        state=ImportJobState.APPLYING,
        confirmed_at=now,
        progress_at=now,
        attempts=1,
        phase="",
        done=0,
        total=0,
    )
    if not claimed:
        raise ValidationError(_("This import is not waiting for confirmation: it was confirmed already."))
    transaction.on_commit(partial(_enqueue, APPLY_TASK, job.pk))


@transaction.atomic
def import_job_discard(*, job: ImportJob, actor) -> None:
    """The uploader discards a job that is not running and imported nothing: the file is deleted."""
    if not may_act_on_import_job(actor, job):
        raise ValidationError(_("Only the person who uploaded the file discards it."))
    waiting = (ImportJobState.CHECKED, ImportJobState.CHECK_FAILED, ImportJobState.FAILED)
    deleted, _by_model = ImportJob.objects.filter(pk=job.pk, uploaded_by=actor, state__in=waiting).delete()
    if not deleted:
        raise ValidationError(_("This import is under way or done: it cannot be discarded."))


class _ClaimLost(Exception):
    """Another run of the same job's apply finished first: this one's transaction is rolled back."""


def _claim_applied(job_id: int, batch: ImportBatch) -> None:
    """Inside the apply's transaction, after every write but the audit trail: the job is applied, with its
    batch. Conditional, so that of two runs of one job (a re-sent task, a redelivered message) only one
    commits; the other rolls back everything it wrote."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJobState.APPLYING).update(
        state=ImportJobState.APPLIED, batch=batch, content=b"", finished_at=now, progress_at=now, phase=""
    )
    if not claimed:
        raise _ClaimLost(job_id)


def import_job_fail(*, job_id: int, error: str, result: dict | None = None) -> bool:
    """End a running job failed, with why (and the problems found, in ``result``); nothing was imported.
    Returns False when the job was not running any more."""
    now = timezone.now()
    fields: dict = {"state": ImportJobState.FAILED, "error": error, "content": b"", "phase": ""}
    fields |= {"finished_at": now, "progress_at": now}
    if result is not None:
        fields["result"] = result
    return bool(ImportJob.objects.filter(pk=job_id, state__in=RUNNING).update(**fields))


def import_job_apply(*, job_id: int) -> dict:
    """The apply task's work: ``import_apply`` of a confirmed job's file, all or nothing, in one transaction.
    When the file no longer imports cleanly (a person left, a system changed owner since the check, a grant
    was given meanwhile) the job ends failed naming the first problem by row and reason, with all of them
    listed, and nothing is written. A job that is not being applied (done already) is left alone, and of two
    runs at once only one commits (``_claim_applied``).

    Returns a report: the job's ``state``, and once applied the ``batch_id``, ``created``, ``audit_events``,
    ``seconds`` (the whole apply) and ``audit_lock_seconds``: from the request for the audit chain's lock
    (just before ``audit.append_many``) to the commit that releases it. Call it outside any transaction for
    that figure to mean what it says."""
    job = ImportJob.objects.select_related("uploaded_by").filter(pk=job_id).first()
    if job is None or job.state != ImportJobState.APPLYING:
        return {"job_id": job_id, "state": job.state if job is not None else ""}
    with translation.override(language_of(job.uploaded_by)):  # a refusal is written for the uploader
        return _apply_job(job)


def _apply_job(job: ImportJob) -> dict:
    job_id = job.pk
    ImportJob.objects.filter(pk=job_id).update(progress_at=timezone.now())
    progress = JobProgress(job_id, state=ImportJobState.APPLYING, side_connection=True)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            applied = _apply(
                actor=job.uploaded_by,
                filename=job.filename,
                content=bytes(job.content),
                full=job.full,
                progress=progress,
                before_audit=partial(_claim_applied, job_id),
            )
        committed = time.perf_counter()  # ``applied`` (all it built) is let go of after this, unlocked
    except ImportRefused as refused:
        import_job_fail(
            job_id=job_id, error=_no_longer_clean(refused.plan), result=plan_summary(refused.plan)
        )
        return {"job_id": job_id, "state": ImportJobState.FAILED.value}
    except ValidationError as refused:
        import_job_fail(
            job_id=job_id,
            error=_("%(reason)s Nothing was imported.") % {"reason": " ".join(refused.messages)},
        )
        return {"job_id": job_id, "state": ImportJobState.FAILED.value}
    except _ClaimLost:
        state = ImportJob.objects.filter(pk=job_id).values_list("state", flat=True).first()
        return {"job_id": job_id, "state": state or ""}
    finally:
        progress.close()
    batch = applied.batch
    report = {
        "job_id": job_id,
        "state": ImportJobState.APPLIED.value,
        "batch_id": batch.pk,
        "rows": batch.row_count,
        "created": batch.created_count,
        "audit_events": applied.audit_events,
        "seconds": round(committed - started, 3),
        "audit_lock_seconds": round(committed - applied.audit_started, 4),
    }
    log.info("Import job %s applied: %s", job_id, report)
    return report


def _no_longer_clean(plan: ImportPlan) -> str:
    """Why a confirmed file was refused when it was applied: its first problem by row and reason (the page
    lists them all), since the check found none."""
    first, more = plan.problems[0], len(plan.problems) - 1
    text = _("The file no longer imports cleanly: row %(row)d: %(problem)s") % {
        "row": first.row,
        "problem": first.message,
    }
    if more:
        text += " " + ngettext(
            "And %(count)d more problem, listed below.", "And %(count)d more problems, listed below.", more
        ) % {"count": more}
    return text + " " + _("Nothing was imported.")


def import_jobs_sweep(*, now) -> int:
    """Tick step: a job still checking or applying ``STALLED_AFTER`` after it was last heard of lost its task
    (the worker died, the broker was down or lost the message): its step is sent again, or, once it was
    sent ``MAX_ATTEMPTS`` times, the job ends failed. Both steps are safe to run twice. Jobs that imported
    nothing and were left alone for ``UNCONFIRMED_KEPT`` are deleted with their file. Returns how many jobs
    it acted on."""
    acted = 0
    stalled = ImportJob.objects.filter(state__in=RUNNING, progress_at__lt=now - STALLED_AFTER)
    for job_id in stalled.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            # Locked, and skipped when locked: an apply that is finishing holds its row (the claim), and two
            # sweeps at once must not both send the task again.
            job = (
                stalled.select_for_update(skip_locked=True)
                .only("state", "attempts")
                .filter(pk=job_id)
                .first()
            )
            if job is None:
                continue
            acted += 1
            if job.attempts >= MAX_ATTEMPTS:
                import_job_fail(
                    job_id=job_id,
                    error=f"The background work on this file stopped {job.attempts} times before it ended: "
                    "nothing was imported. Upload the file again, or split it into smaller files.",
                )
                continue
            ImportJob.objects.filter(pk=job_id).update(progress_at=now, attempts=job.attempts + 1)
            task = CHECK_TASK if job.state == ImportJobState.CHECKING else APPLY_TASK
            transaction.on_commit(partial(_enqueue, task, job_id))
    ended = (ImportJobState.CHECKED, ImportJobState.CHECK_FAILED, ImportJobState.FAILED)
    expired, _by_model = ImportJob.objects.filter(
        state__in=ended, progress_at__lt=now - UNCONFIRMED_KEPT
    ).delete()
    return acted + expired
