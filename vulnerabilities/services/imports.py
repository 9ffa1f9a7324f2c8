"""Scanner imports: a report of pip-audit, OSV-Scanner, Trivy, Grype or a CycloneDX VEX brought into the
register of one system, all or nothing, in the background. Without a system chosen, the file names it (the
scanned artifact), or, for a CycloneDX file listing several products, each finding's product names its
system (``ScanFinding.system``).

``scan_import_create`` stores the upload as a ``ScanImport`` and sends it to a Celery task after commit;
``scan_import_process`` (the task's work, and ``manage.py import_scan``'s, which runs it at once) reads the
file (``vulnerabilities.services.scanners``), then, in one transaction holding the system's row (two imports
of one system run one after the other), works out what it means for the register and applies it, or ends the
import failed with every problem by its place in the file and writes nothing.

What a scan means:

* Each finding is matched to the system's inventory by package URL (else name and version); a component the
  inventory lacks is added (source "scan").
* A vulnerability is the same as a recorded one when system, component and identifier (or one of its
  aliases) match: it is then only seen again (its last-seen time moves to the scan's time, when later). A
  re-import of the same file therefore changes nothing. One recorded as fixed or verified that the scan still
  finds is reopened (the fix did not hold); risk accepted and false positives stay as they are.
* The others are recorded (source "scanner", the next VULN-YYYY-NNNN references, scored from the vector or
  the scanner's label, owned by the system's owner, their deadline set), with one audit event each, written
  with the import's own event by one ``audit.record_many`` as the transaction's last write.
* A **full** scan of a system also marks its open scanner vulnerabilities that it no longer finds "fixed
  (not found in scan of <date>)", pending a security officer's verification.

A tick step (``scan_imports_sweep``) sends a lost task again a few times, then ends the import failed.
"""

import datetime
import hashlib
import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from access.models import System
from dpms import audit
from dpms.enqueue import enqueue
from dpms.formats import show_date
from vulnerabilities.choices import (
    OPEN_STATUSES,
    ComponentSource,
    ScanImportState,
    VulnerabilitySource,
    VulnerabilityStatus,
)
from vulnerabilities.models import Component, ScanImport, Vulnerability, VulnerabilityCounter
from vulnerabilities.queries.deadlines import current_policy
from vulnerabilities.queries.imports import may_import_scan
from vulnerabilities.services import register
from vulnerabilities.services.deadlines import set_due
from vulnerabilities.services.scanners import (
    ScanFinding,
    ScanProblem,
    ScanReport,
    parse_scan,
    size_problem,
)
from vulnerabilities.services.scoring import Score, score

log = logging.getLogger(__name__)

PROCESS_TASK = "vulnerabilities.tasks.process_scan_import"
# What an import's page lists of the problems and warnings (with how many more there are).
LIST_LIMIT = 200
STALLED_AFTER = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 3
RUNNING = (ScanImportState.QUEUED, ScanImportState.CHECKING, ScanImportState.APPLYING)
# Found again after a fix: reopened. Settled by a decision (accepted, false positive): left alone.
REOPEN_WHEN_FOUND = (VulnerabilityStatus.FIXED, VulnerabilityStatus.VERIFIED)
CHUNK = 1000


class ScanRefused(Exception):
    """The file cannot be imported; ``problems`` say why, each by its place."""

    def __init__(self, problems: list[ScanProblem]):
        super().__init__(problems[0].message if problems else "refused")
        self.problems = problems


class _ClaimLost(Exception):
    """Another run of the same import applied it first: this run's transaction rolls back."""


@dataclass
class ScanPlan:
    """What applying a report to ``system`` does."""

    system: System
    seen_at: datetime.datetime
    to_create: list[tuple[ScanFinding, object]] = field(default_factory=list)  # (finding, component key)
    new_components: dict[tuple, Component] = field(default_factory=dict)
    unchanged: list[Vulnerability] = field(default_factory=list)
    to_reopen: list[Vulnerability] = field(default_factory=list)
    to_fix: list[Vulnerability] = field(default_factory=list)
    scores: dict[str, Score] = field(default_factory=dict)


def file_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- The upload --------------------------------------------------------------------------------------


def _stored(
    *, actor, filename: str, content: bytes, system: System | None, format: str, full: bool
) -> ScanImport:
    """The scan's file kept on its import row, ready for its first check."""
    return ScanImport.objects.create(
        uploaded_by=actor,
        system=system,
        format=format,
        filename=(filename or "scan.json")[:255],
        sha256=file_sha256(content),
        size=len(content),
        content=content,
        full=full,
        attempts=1,
    )


@transaction.atomic
def scan_import_create(
    *,
    actor,
    filename: str,
    content: bytes,
    system: System | None = None,
    format: str = "",
    full: bool = False,
) -> ScanImport:
    """Store an uploaded scan and send it to be checked and applied (after commit). ``system`` None: the
    file names it (security officers only). ``actor`` None: a pipeline through ``manage.py import_scan``."""
    if actor is not None and not may_import_scan(actor, system):
        raise PermissionDenied(
            _("Only security officers and the system's owner import its scans.")
            if system is not None
            else _("Choose the system the scan is of.")
        )
    too_large = size_problem(len(content))
    if too_large:
        raise ValidationError({"file": too_large})
    if not content.strip():
        raise ValidationError({"file": _("The file is empty.")})
    scan = _stored(actor=actor, filename=filename, content=content, system=system, format=format, full=full)
    transaction.on_commit(partial(enqueue, PROCESS_TASK, [scan.pk]))
    return scan


# --- Checking and applying ---------------------------------------------------------------------------------


def scan_import_process(*, import_id: int) -> str:
    """Read, check and apply one stored scan (the task's work; safe to run twice: a finished import is left
    alone, and of two runs only one applies). Returns the import's state."""
    scan = ScanImport.objects.select_related("uploaded_by", "system").filter(pk=import_id).first()
    if scan is None or scan.state not in RUNNING:
        return scan.state if scan is not None else ""
    now = timezone.now()
    ScanImport.objects.filter(pk=import_id, state__in=RUNNING).update(
        state=ScanImportState.CHECKING, progress_at=now
    )
    report = parse_scan(bytes(scan.content), scan.format)
    ScanImport.objects.filter(pk=import_id).update(
        format=report.format or scan.format, total=len(report.findings), progress_at=timezone.now()
    )
    if not report.ok:
        _fail(
            import_id,
            gettext_noop("The file cannot be imported: nothing was imported."),
            report,
            report.problems,
        )
        return ScanImportState.FAILED
    try:
        with transaction.atomic():
            _apply(scan, report, _plans(scan, report))
    except ScanRefused as refused:
        _fail(
            import_id,
            gettext_noop("The scan does not fit the register: nothing was imported."),
            report,
            refused.problems,
        )
        return ScanImportState.FAILED
    except ValidationError as refused:  # a vulnerability changed meanwhile (its step no longer allowed)
        problems = [ScanProblem("file", message) for message in refused.messages]
        _fail(
            import_id,
            gettext_noop("The register changed while importing: nothing was imported."),
            report,
            problems,
        )
        return ScanImportState.FAILED
    except _ClaimLost:
        return ScanImport.objects.filter(pk=import_id).values_list("state", flat=True).first() or ""
    return ScanImportState.APPLIED


def _listed(name: str, items: list, limit: int = LIST_LIMIT) -> dict:
    return {
        name: [asdict(item) for item in items[:limit]],
        f"{name}_count": len(items),
        f"{name}_not_listed": max(0, len(items) - limit),
    }


def _fail(import_id: int, error: str, report: ScanReport, problems: list[ScanProblem]) -> None:
    result = {"format": report.format, "target": report.target, "findings": len(report.findings)}
    result |= _listed("problems", problems) | _listed("warnings", report.warnings)
    now = timezone.now()
    ScanImport.objects.filter(pk=import_id, state__in=RUNNING).update(
        state=ScanImportState.FAILED,
        error=error,
        result=result,
        content=b"",
        finished_at=now,
        progress_at=now,
    )


def _systems_for(scan: ScanImport, report: ScanReport) -> dict[str, System]:
    """The systems the scan is of, by the name the findings give (``""``: all of them, or the file's own
    target), locked until commit: the one chosen at upload takes everything; else the ones the file names."""
    systems = System.objects.select_for_update(of=("self",)).select_related("owner")
    if scan.system_id is not None:
        return {"": systems.get(pk=scan.system_id)}
    names = {finding.system or report.target for finding in report.findings} or {report.target}
    if "" in names:
        raise ScanRefused(
            [ScanProblem("file", gettext_noop("The file does not say what was scanned: choose the system."))]
        )
    found = {system.name: system for system in systems.filter(name__in=names)}
    problems = [
        ScanProblem(
            "file",
            f"The file says it scanned “{name}”, and no system has that name: choose the system when "
            "uploading.",
        )
        for name in sorted(names - set(found))
    ]
    problems += [
        ScanProblem("file", f"You may not import scans of the system “{name}”.")
        for name, system in sorted(found.items())
        if scan.uploaded_by is not None and not may_import_scan(scan.uploaded_by, system)
    ]
    if problems:
        raise ScanRefused(problems)
    return found


def _component_key(component: Component) -> tuple:
    return ("purl", component.purl, "") if component.purl else ("name", component.name, component.version)


def _seen_at(scan: ScanImport, report: ScanReport) -> datetime.datetime:
    """When the scan saw what it lists: the time the file gives (never later than now), else the upload."""
    now = timezone.now()
    return min(report.scanned_at, now) if report.scanned_at else scan.uploaded_at


def _plans(scan: ScanImport, report: ScanReport) -> list[ScanPlan]:
    """What the report means for the register of each system it covers (reads only, a fixed number of
    queries per system: its inventory, its vulnerabilities). Raises ``ScanRefused`` with every problem."""
    systems = _systems_for(scan, report)
    seen_at = _seen_at(scan, report)
    if "" in systems:
        return [_plan(scan, systems[""], report.findings, seen_at)]
    plans, problems = [], []
    for name, system in sorted(systems.items()):
        findings = [finding for finding in report.findings if (finding.system or report.target) == name]
        try:
            plans.append(_plan(scan, system, findings, seen_at))
        except ScanRefused as refused:
            problems += refused.problems
    if problems:
        raise ScanRefused(problems)
    return plans


def _plan(scan: ScanImport, system: System, findings: list[ScanFinding], seen_at) -> ScanPlan:
    """What ``findings`` mean for ``system``'s register."""
    plan = ScanPlan(system=system, seen_at=seen_at)
    inventory = {_component_key(c): c for c in Component.objects.filter(system=system)}
    recorded: dict[tuple[int, str], Vulnerability] = {}
    everything = list(Vulnerability.objects.filter(system=system).exclude(identifier=""))
    for vulnerability in everything:
        for name in [vulnerability.identifier, *vulnerability.aliases]:
            recorded.setdefault((vulnerability.component_id or 0, name.upper()), vulnerability)
    problems: list[ScanProblem] = []
    found_ids: set[int] = set()
    for finding in findings:
        if finding.cvss_vector and finding.cvss_vector not in plan.scores:
            try:
                plan.scores[finding.cvss_vector] = score(finding.cvss_vector)
            except ValidationError as error:
                problems.append(
                    ScanProblem(finding.where, f"{finding.identifier}: {' '.join(error.messages)}")
                )
                continue
        component = inventory.get(finding.component.key)
        if component is None:
            plan.new_components.setdefault(
                finding.component.key, _new_component(system, finding, plan.seen_at)
            )
            plan.to_create.append((finding, finding.component.key))
            continue
        match = next(
            (
                recorded[(component.pk, name.upper())]
                for name in [finding.identifier, *finding.aliases]
                if (component.pk, name.upper()) in recorded
            ),
            None,
        )
        if match is None:
            plan.to_create.append((finding, finding.component.key))
            continue
        if match.pk in found_ids:
            continue  # two findings that are aliases of one recorded vulnerability
        found_ids.add(match.pk)
        if match.status in REOPEN_WHEN_FOUND:
            plan.to_reopen.append(match)
        else:
            plan.unchanged.append(match)
    if problems:
        raise ScanRefused(problems)
    if scan.full:
        plan.to_fix = [
            vulnerability
            for vulnerability in everything
            if vulnerability.pk not in found_ids
            and vulnerability.source == VulnerabilitySource.SCANNER
            and vulnerability.status in OPEN_STATUSES
        ]
    return plan


def _new_component(system: System, finding: ScanFinding, now) -> Component:
    return Component(
        system=system,
        name=finding.component.name,
        version=finding.component.version,
        ecosystem=finding.component.ecosystem,
        purl=finding.component.purl,
        source=ComponentSource.SCAN,
        created_at=now,
        updated_at=now,
    )


def _take_references(year: int, count: int) -> list[str]:
    """``count`` new VULN-YYYY-NNNN references in one lock of the year's counter (the rule of
    ``register.vulnerability_create``: never two alike, never one reused)."""
    if not count:
        return []
    VulnerabilityCounter.objects.bulk_create([VulnerabilityCounter(year=year)], ignore_conflicts=True)
    counter = VulnerabilityCounter.objects.select_for_update().get(year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"VULN-{year}-{number:04d}" for number in range(first, first + count)]


def _apply(scan: ScanImport, report: ScanReport, plans: list[ScanPlan]) -> None:
    now = timezone.now()
    actor = scan.uploaded_by
    policy = current_policy()
    created: list[Vulnerability] = []
    for plan in plans:
        created += _apply_plan(plan, actor=actor, now=now, policy=policy)
    for vulnerability, reference in zip(created, _take_references(now.year, len(created)), strict=True):
        vulnerability.reference = reference
    Vulnerability.objects.bulk_create(created, batch_size=CHUNK)
    # The day in the installation's zone, whoever's request or worker this runs in.
    seen_at = plans[0].seen_at
    scan_day = show_date(seen_at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date())
    for plan in plans:
        for vulnerability in plan.to_reopen:
            register.vulnerability_reopen(
                actor=actor,
                vulnerability=vulnerability,
                reason=f"Found again in the scan of {scan_day}.",
                now=now,
            )
        for vulnerability in plan.to_fix:
            register.vulnerability_mark_fixed(
                actor=actor, vulnerability=vulnerability, note=f"not found in scan of {scan_day}", now=now
            )
    counts = {
        "created": len(created),
        "unchanged": sum(len(plan.unchanged) for plan in plans),
        "reopened": sum(len(plan.to_reopen) for plan in plans),
        "fixed": sum(len(plan.to_fix) for plan in plans),
        "components_created": sum(len(plan.new_components) for plan in plans),
        "duplicates": report.duplicates,
    }
    names = [plan.system.name for plan in plans]
    result = {
        "format": report.format,
        "target": report.target,
        "system": ", ".join(names),
        "systems": names,
        "findings": len(report.findings),
    }
    result |= counts | _listed("problems", []) | _listed("warnings", report.warnings)
    claimed = ScanImport.objects.filter(pk=scan.pk, state=ScanImportState.CHECKING).update(
        state=ScanImportState.APPLIED,
        system=plans[0].system if len(plans) == 1 else None,
        format=report.format,
        scanned_at=report.scanned_at,
        result=result,
        content=b"",
        created_count=counts["created"],
        unchanged_count=counts["unchanged"],
        fixed_count=counts["fixed"],
        done=len(report.findings),
        finished_at=now,
        progress_at=now,
    )
    if not claimed:
        raise _ClaimLost(scan.pk)
    audit.record_many(_audit_entries(scan, ", ".join(names), report, created, counts, actor))


def _apply_plan(plan: ScanPlan, *, actor, now, policy) -> list[Vulnerability]:
    """One system's part: its new components written, its known vulnerabilities seen again; returns its new
    vulnerabilities, scored and with their deadline, for the caller to number and insert."""
    system = plan.system
    Component.objects.bulk_create(list(plan.new_components.values()), batch_size=CHUNK)
    components = dict(plan.new_components)
    components.update({_component_key(c): c for c in Component.objects.filter(system=system)})
    created = []
    for finding, key in plan.to_create:
        vulnerability = _new_vulnerability(finding, components[key], plan, actor, now)
        set_due(vulnerability, now=now, policy=policy)
        created.append(vulnerability)
    unchanged_ids = [vulnerability.pk for vulnerability in plan.unchanged]
    for start in range(0, len(unchanged_ids), CHUNK):
        Vulnerability.objects.filter(
            pk__in=unchanged_ids[start : start + CHUNK], last_seen_at__lt=plan.seen_at
        ).update(last_seen_at=plan.seen_at)
    return created


def _new_vulnerability(
    finding: ScanFinding, component: Component, plan: ScanPlan, actor, now
) -> Vulnerability:
    """A vulnerability as ``register.vulnerability_create`` records one, for a bulk insert."""
    system = plan.system
    vulnerability = Vulnerability(
        identifier=finding.identifier,
        aliases=sorted(set(finding.aliases)),
        title=finding.title or f"{finding.identifier} in {component}",
        description=finding.description,
        system=system,
        component=component,
        component_version=finding.component.version or component.version,
        source=VulnerabilitySource.SCANNER,
        owner=system.owner,
        first_seen_at=plan.seen_at,
        last_seen_at=plan.seen_at,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    scored = plan.scores.get(finding.cvss_vector) if finding.cvss_vector else None
    if scored is not None:
        vulnerability.cvss_vector, vulnerability.cvss_version = scored.vector, str(scored.version)
        vulnerability.cvss_score, vulnerability.scored_severity = scored.score, str(scored.severity)
    else:
        vulnerability.scored_severity = finding.severity
    vulnerability.severity = vulnerability.scored_severity
    return vulnerability


def _audit_entries(
    scan, systems: str, report, created: Iterable[Vulnerability], counts: dict, actor
) -> list[dict]:
    entries = [
        {
            "action": "vulnerabilities.vulnerability.create",
            "actor": actor,
            "obj": vulnerability,
            "changes": {
                "system": vulnerability.system.name,
                "component": vulnerability.component_label,
                "identifier": vulnerability.identifier,
                "source": vulnerability.source,
                "cvss_vector": vulnerability.cvss_vector,
                "severity": vulnerability.severity,
                "owner": str(vulnerability.owner or ""),
                "due_at": vulnerability.due_at,
                "scan_import": scan.pk,
            },
        }
        for vulnerability in created
    ]
    entries.append(
        {
            "action": "vulnerabilities.scan_import.apply",
            "actor": actor,
            "obj": scan,
            "changes": {
                "system": systems,
                "file": scan.filename,
                "sha256": scan.sha256,
                "format": report.format,
                "full": scan.full,
                "scanned_at": report.scanned_at,
                **counts,
            },
        }
    )
    return entries


def scan_import_run(
    *, actor, filename: str, content: bytes, system: System | None, format: str = "", full: bool = False
) -> ScanImport:
    """Import a scan at once, in this process (``manage.py import_scan``): stored, then checked and applied
    as the task would. Returns the import, applied or failed."""
    scan = _stored(actor=actor, filename=filename, content=content, system=system, format=format, full=full)
    scan_import_process(import_id=scan.pk)
    scan.refresh_from_db()
    return scan


def scan_import_fail(*, import_id: int, error: str) -> bool:
    """End a running import failed (the task stopped); nothing was imported."""
    now = timezone.now()
    return bool(
        ScanImport.objects.filter(pk=import_id, state__in=RUNNING).update(
            state=ScanImportState.FAILED, error=error, content=b"", finished_at=now, progress_at=now
        )
    )


def scan_imports_sweep(*, now) -> int:
    """Tick step: an import still running ``STALLED_AFTER`` after it was last heard of lost its task: it is
    sent again, or, once it was sent ``MAX_ATTEMPTS`` times, ended failed. Returns how many it acted on."""
    acted = 0
    stalled = ScanImport.objects.filter(state__in=RUNNING, progress_at__lt=now - STALLED_AFTER)
    for import_id in stalled.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            # Skipped when locked: an apply that is finishing holds the row, and two sweeps at once must not
            # both send the task again.
            scan = stalled.select_for_update(skip_locked=True).only("attempts").filter(pk=import_id).first()
            if scan is None:
                continue
            acted += 1
            if scan.attempts >= MAX_ATTEMPTS:
                scan_import_fail(
                    import_id=import_id,
                    error=f"The background work on this file stopped {scan.attempts} times: nothing was "
                    "imported. Upload it again.",
                )
                continue
            ScanImport.objects.filter(pk=import_id).update(
                state=ScanImportState.QUEUED, progress_at=now, attempts=scan.attempts + 1
            )
            transaction.on_commit(partial(enqueue, PROCESS_TASK, [import_id]))
    return acted
