"""Imports: bring grants in from a CSV export of one or several systems, all-or-nothing.

``import_plan`` parses and checks a file and says what applying it would do; it writes nothing (the preview).
``import_apply`` re-checks the same content inside one transaction and applies it, or raises with every
problem and applies nothing. A grant absent from a *full* import of its system is flagged for
reconciliation with a finding, never revoked; a row naming a grant that was revoked opens a "revoked but
still present" finding and is never re-granted silently.

The lookups are done once per file (people, systems with their roles, the grants of those systems), into
maps in memory, so checking 50 or 50,000 rows costs the same number of queries.
"""

import csv
import datetime
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.choices import FindingKind, GrantSource
from access.models import Finding, Grant, ImportBatch, Role, System
from access.queries.imports import may_import_system
from access.services.grants import grants_create_many
from dpms import audit
from dpms.models import User

REQUIRED_COLUMNS = ("email", "system", "role")
OPTIONAL_COLUMNS = ("granted_at", "justification", "expires_at")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_FILE_BYTES = 5 * 1024 * 1024
# Bulk updates are chunked so a huge file never exceeds a database's limit of bound parameters.
CHUNK = 1000


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
        problems.append(ImportProblem(row, f"“{value}” is not a date (use YYYY-MM-DD).", column))
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _decode(content: bytes, problems: list) -> str | None:
    if not content.strip():
        problems.append(ImportProblem(1, "The file is empty: a header row is required."))
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(ImportProblem(1, f"The file is not UTF-8 (byte {error.start + 1} is not valid)."))
        return None


def parse_rows(content: bytes, problems: list[ImportProblem], *, now) -> list[ImportRow]:
    """The rows of a file, and every problem of form on the way (columns, values, dates, duplicates)."""
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
        problems.append(ImportProblem(1, "The header row cannot be read."))
        return []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    doubled = sorted({name for name in header if header.count(name) > 1})
    if missing:
        problems.append(ImportProblem(1, f"Missing column: {', '.join(missing)}."))
    if unknown:
        problems.append(
            ImportProblem(1, f"Unknown column: {', '.join(unknown)} (expected: {', '.join(COLUMNS)}).")
        )
    if doubled:
        problems.append(ImportProblem(1, f"Column named twice: {', '.join(doubled)}."))
    if missing or unknown or doubled:
        return []
    rows: list[ImportRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    number = 1
    try:
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) != len(header):
                problems.append(
                    ImportProblem(number, f"This row has {len(cells)} cells; the header has {len(header)}.")
                )
                continue
            row = _row_from_cells(
                dict(zip(header, (c.strip() for c in cells), strict=True)), number, problems, now
            )
            if row is None:
                continue
            key = (row.email, row.system, row.role)
            if key in seen:
                problems.append(ImportProblem(number, f"Duplicate row: the same as row {seen[key]}."))
                continue
            seen[key] = number
            rows.append(row)
    except csv.Error as error:
        problems.append(ImportProblem(number, f"This row cannot be read as CSV ({error})."))
    return rows


def _row_from_cells(values: dict, number: int, problems: list, now) -> ImportRow | None:
    before = len(problems)
    for name in REQUIRED_COLUMNS:
        if not values.get(name):
            problems.append(ImportProblem(number, f"Missing value: {name} is required.", name))
    granted_at = _parse_date(values.get("granted_at", ""), "granted_at", number, problems)
    expires_at = _parse_date(values.get("expires_at", ""), "expires_at", number, problems)
    if granted_at and granted_at > now:
        problems.append(ImportProblem(number, "granted_at is in the future.", "granted_at"))
    if granted_at and expires_at and expires_at <= granted_at:
        problems.append(ImportProblem(number, "expires_at must be after granted_at.", "expires_at"))
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
    *, actor, filename: str, content: bytes, full: bool, now=None, lock: bool = False
) -> ImportPlan:
    """Check a file and work out what applying it would do. Reads only: the preview calls it as is.

    A fixed number of queries whatever the number of rows: people, systems (with their roles) and the
    grants of those systems are each read once into maps. Problems and warnings come in row order.
    """
    plan = _plan(
        actor=actor, filename=filename, content=content, full=full, now=now or timezone.now(), lock=lock
    )
    plan.problems.sort(key=lambda problem: problem.row)
    plan.warnings.sort(key=lambda problem: problem.row)
    return plan


def _plan(*, actor, filename: str, content: bytes, full: bool, now, lock: bool) -> ImportPlan:
    plan = ImportPlan(filename=filename, sha256=file_sha256(content), full=full)
    if len(content) > MAX_FILE_BYTES:
        plan.problems.append(
            ImportProblem(1, f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        )
        return plan
    rows = parse_rows(content, plan.problems, now=now)
    plan.row_count = len(rows) + len({problem.row for problem in plan.problems if problem.row > 1})
    if not rows:
        if not plan.problems:
            plan.problems.append(ImportProblem(1, "The file has a header but no rows."))
        return plan

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
                ImportProblem(row.row, f"Unknown person: no active user with the email {row.email}.", "email")
            )
        if row.system not in systems:
            plan.problems.append(ImportProblem(row.row, f"Unknown system “{row.system}”.", "system"))
        elif row.system not in allowed:
            plan.problems.append(
                ImportProblem(row.row, f"You may not import grants of the system “{row.system}”.", "system")
            )
        elif (row.system, row.role) not in roles:
            plan.problems.append(
                ImportProblem(row.row, f"Unknown role “{row.role}” on the system “{row.system}”.", "role")
            )
        elif row.email in people:
            resolved.append((row, people[row.email], roles[(row.system, row.role)]))
    if plan.problems:
        return plan
    _plan_changes(plan, resolved, systems.values(), now)
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


def _plan_changes(plan: ImportPlan, resolved: list, systems: Iterable[System], now) -> None:
    active, revoked = {}, {}
    for grant in _existing_grants(plan, resolved, systems):
        key = (grant.user_id, grant.role_id)
        if grant.revoked_at is None:
            active[key] = grant
        else:
            revoked[key] = grant  # ordered by revoked_at: the latest revocation wins
    present = set()
    for row, person, role in resolved:
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
                    f"{person.email} still holds “{role.name}” on “{role.system.name}”, revoked on "
                    f"{timezone.localtime(grant.revoked_at):%Y-%m-%d}: not granted again; "
                    "a “revoked but still present” finding is opened.",
                )
            )
        else:
            if row.expires_at and row.expires_at <= now:
                plan.problems.append(
                    ImportProblem(
                        row.row,
                        "expires_at is in the past: this grant would already have ended.",
                        "expires_at",
                    )
                )
            plan.to_create.append((row, person, role))
    if plan.full:
        plan.to_flag = [grant for key, grant in active.items() if key not in present]
        plan.to_flag.sort(key=lambda grant: (grant.role.system.name, grant.role.name, grant.user.email))


# --- Applying ----------------------------------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def import_apply(*, actor, filename: str, content: bytes, full: bool, now=None) -> ImportBatch:
    """Apply a file all-or-nothing: any problem raises ``ValidationError`` listing them all, and nothing is
    written. Records an ``ImportBatch`` (also when nothing changes), one audit event per created grant
    (``grants_create_many``: in batches) and one ``access.import.apply`` event naming the batch and every
    grant it created, flagged, cleared or found revoked but present."""
    now = now or timezone.now()
    plan = import_plan(actor=actor, filename=filename, content=content, full=full, now=now, lock=True)
    if not plan.ok:
        raise ValidationError([f"Row {problem.row}: {problem.message}" for problem in plan.problems])
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
    created = grants_create_many(
        actor=actor,
        grants=[
            {
                "user": person,
                "role": role,
                "justification": row.justification or f"Imported from {batch.filename} (import #{batch.pk}).",
                "expires_at": row.expires_at,
                "source": GrantSource.IMPORT,
                "granted_at": row.granted_at or now,
            }
            for row, person, role in plan.to_create
        ],
    )
    seen_ids = [grant.pk for grant in created + plan.unchanged] + [g.pk for _row, g in plan.revoked_present]
    for ids in _chunks(seen_ids):
        Grant.objects.filter(pk__in=ids).update(last_seen_in_import_at=now)
    _clear_flags(plan, batch, actor, now)
    _flag_absent(plan, batch, now)
    _open_revoked_findings(plan, batch, now)
    audit.record(
        action="access.import.apply",
        actor=actor,
        obj=batch,
        changes={
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
    )
    return batch


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
