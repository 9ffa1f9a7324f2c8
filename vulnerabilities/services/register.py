"""Writes of the vulnerability register: recording a vulnerability, changing its details and score, the
severity override, the owner, and every step of the status workflow. Each is one transaction that locks the
row, checks the rule, writes the change and its audit event; a refusal is a ``ValidationError`` naming the
field (a form shows it next to that field; the API answers 400) or a ``PermissionDenied``.

The workflow (``TRANSITIONS``): new → triaged → in remediation → fixed → verified; from triage on, a
vulnerability may instead be risk accepted (linked to a risk of the register whose acceptance is approved
and not expired; it reopens when that acceptance ends) or a false positive (with the reason). Fixed,
verified, risk accepted and false positive reopen to triaged. A scanner's or person's "fixed" is pending
verification by a security officer.

``actor`` None is the system (an import from CI, a disclosure from outside, the tick): no person's
permission is asked; the audit trail's source says where it came from.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import System
from dpms import audit
from risk.choices import AcceptanceStatus
from risk.models import Risk, RiskAcceptance
from vulnerabilities.choices import (
    Severity,
    VulnerabilitySource,
    VulnerabilityStatus,
)
from vulnerabilities.models import Component, Vulnerability, VulnerabilityCounter
from vulnerabilities.queries.register import may_change, may_manage_vulnerabilities, may_record_on
from vulnerabilities.services.deadlines import set_due, settle_breach
from vulnerabilities.services.scoring import score

S = VulnerabilityStatus
# Which status may follow which (the services below are the only way to move one).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.TRIAGED, S.FIXED, S.FALSE_POSITIVE),
    S.TRIAGED: (S.IN_REMEDIATION, S.FIXED, S.RISK_ACCEPTED, S.FALSE_POSITIVE),
    S.IN_REMEDIATION: (S.FIXED, S.RISK_ACCEPTED, S.FALSE_POSITIVE),
    S.FIXED: (S.VERIFIED, S.TRIAGED),
    S.VERIFIED: (S.TRIAGED,),
    S.RISK_ACCEPTED: (S.TRIAGED,),
    S.FALSE_POSITIVE: (S.TRIAGED,),
}
MAX_TITLE = 300
MAX_IDENTIFIER = 100


def allowed_next(vulnerability: Vulnerability) -> tuple[str, ...]:
    return TRANSITIONS.get(vulnerability.status, ())


def _next_reference(year: int) -> str:
    # The year's counter row is locked until the transaction ends: two vulnerabilities recorded at once
    # never share a number, and a number is never handed out again.
    VulnerabilityCounter.objects.bulk_create([VulnerabilityCounter(year=year)], ignore_conflicts=True)
    counter = VulnerabilityCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"VULN-{year}-{counter.last:04d}"


def _apply_vector(vulnerability: Vulnerability, vector: str, stated_severity: str = "") -> None:
    """Score ``vector`` onto the vulnerability (a ValidationError on ``cvss_vector`` when malformed); with
    no vector, the severity the source stated (a scanner's) until someone scores it."""
    vector = (vector or "").strip()
    if vector:
        try:
            scored = score(vector)
        except ValidationError as error:
            raise ValidationError({"cvss_vector": error.messages}) from None
        vulnerability.cvss_vector, vulnerability.cvss_version = scored.vector, str(scored.version)
        vulnerability.cvss_score, vulnerability.scored_severity = scored.score, str(scored.severity)
    else:
        if stated_severity and stated_severity not in Severity.values:
            raise ValidationError({"severity": _("Not a severity: %(value)s.") % {"value": stated_severity}})
        vulnerability.cvss_vector = vulnerability.cvss_version = ""
        vulnerability.cvss_score = None
        vulnerability.scored_severity = stated_severity
    vulnerability.severity = vulnerability.severity_override or vulnerability.scored_severity


def _clean_text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(limit)s characters.") % {"limit": limit}})
    return text


def _check_component(system: System, component: Component | None) -> None:
    if component is not None and component.system_id != system.pk:
        raise ValidationError({"component": _("This component belongs to another system.")})


def _check_unique(vulnerability: Vulnerability) -> None:
    if not vulnerability.identifier:
        return
    same = Vulnerability.objects.filter(
        system_id=vulnerability.system_id,
        component=vulnerability.component,
        identifier=vulnerability.identifier,
    ).exclude(pk=vulnerability.pk)
    taken = same.values_list("reference", flat=True).first()
    if taken:
        raise ValidationError(
            {
                "identifier": _("%(identifier)s is already recorded here as %(reference)s.")
                % {"identifier": vulnerability.identifier, "reference": taken}
            }
        )


def _save(vulnerability: Vulnerability, fields, now) -> None:
    vulnerability.updated_at = now
    vulnerability.save(update_fields=sorted({*fields, "updated_at"}))


def _audit(action: str, actor, vulnerability: Vulnerability, changes: dict) -> None:
    audit.record(
        action=f"vulnerabilities.vulnerability.{action}", actor=actor, obj=vulnerability, changes=changes
    )


@transaction.atomic
def vulnerability_create(
    *,
    actor,
    system: System,
    title: str,
    source: str,
    identifier: str = "",
    component: Component | None = None,
    description: str = "",
    cvss_vector: str = "",
    severity: str = "",
    aliases=(),
    owner=None,
    seen_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Vulnerability:
    """Record a vulnerability of ``system`` with the next VULN-YYYY-NNNN reference: scored from its CVSS
    vector (or, without one, ``severity`` as the source stated it), owned by ``owner`` or else the system's
    owner, first and last seen at ``seen_at`` (default now), its deadline set. Audited.

    ``actor`` None: recorded by the system (an import, a disclosure); else the person must be a security
    officer or the system's owner. The same identifier on the same system and component is refused."""
    now = now or timezone.now()
    if actor is not None and not may_record_on(actor, system):
        raise PermissionDenied(_("Only security officers and the system's owner record its vulnerabilities."))
    if source not in VulnerabilitySource.values:
        raise ValidationError({"source": _("Not a source: %(value)s.") % {"value": source}})
    _check_component(system, component)
    seen = seen_at or now
    vulnerability = Vulnerability(
        identifier=_clean_text(identifier, field="identifier", limit=MAX_IDENTIFIER),
        aliases=sorted({str(alias).strip() for alias in aliases if str(alias).strip()}),
        title=_clean_text(title, field="title", limit=MAX_TITLE, required=True),
        description=(description or "").strip(),
        system=system,
        component=component,
        component_version=component.version if component else "",
        source=source,
        owner=owner or system.owner,
        first_seen_at=seen,
        last_seen_at=seen,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=now,
        updated_at=now,
    )
    _apply_vector(vulnerability, cvss_vector, severity)
    _check_unique(vulnerability)
    set_due(vulnerability, now=now)
    vulnerability.reference = _next_reference(now.year)
    vulnerability.save(force_insert=True)
    _audit(
        "create",
        actor,
        vulnerability,
        {
            "system": system.name,
            "component": vulnerability.component_label,
            "identifier": vulnerability.identifier,
            "source": source,
            "cvss_vector": vulnerability.cvss_vector,
            "severity": vulnerability.severity,
            "owner": str(vulnerability.owner or ""),
            "due_at": vulnerability.due_at,
        },
    )
    return vulnerability


def _locked(vulnerability: Vulnerability) -> Vulnerability:
    """The row again, locked until the transaction ends: two people changing it at once act one after the
    other, the second on what the first left."""
    return (
        Vulnerability.objects.select_for_update(of=("self",))
        .select_related("system__owner", "owner", "component", "risk")
        .get(pk=vulnerability.pk)
    )


def _require_change(actor, vulnerability: Vulnerability) -> None:
    if actor is not None and not may_change(actor, vulnerability):
        raise PermissionDenied(_("Only security officers and its owners change this vulnerability."))


def _after_save(vulnerability: Vulnerability, changed_due: list[str]) -> None:
    if "breached_at" in changed_due:
        settle_breach(vulnerability)


@transaction.atomic
def vulnerability_update(
    *,
    actor,
    vulnerability: Vulnerability,
    title: str,
    description: str = "",
    identifier: str = "",
    component: Component | None = None,
    cvss_vector: str = "",
    now: datetime.datetime | None = None,
) -> Vulnerability:
    """Change what is known about a vulnerability: title, description, identifier, component and CVSS
    vector (scored again; the deadline follows). Audited with what changed."""
    now = now or timezone.now()
    row = _locked(vulnerability)
    _require_change(actor, row)
    _check_component(row.system, component)
    before = {name: getattr(row, name) for name in ("title", "description", "identifier", "cvss_vector")}
    before.update(component=row.component_label, severity=row.severity, due_at=row.due_at)
    row.title = _clean_text(title, field="title", limit=MAX_TITLE, required=True)
    row.description = (description or "").strip()
    row.identifier = _clean_text(identifier, field="identifier", limit=MAX_IDENTIFIER)
    if component != row.component:  # another component: the version it is in now
        row.component_version = component.version if component else ""
    row.component = component
    if (cvss_vector or "").strip() != row.cvss_vector:
        _apply_vector(row, cvss_vector, "" if cvss_vector else row.scored_severity)
    _check_unique(row)
    due_changed = set_due(row, now=now) if row.is_open else []
    _save(
        row,
        ["title", "description", "identifier", "component", "component_version", "cvss_vector",
         "cvss_version", "cvss_score", "scored_severity", "severity", *due_changed],
        now,
    )  # fmt: skip
    _after_save(row, due_changed)
    after = {name: getattr(row, name) for name in ("title", "description", "identifier", "cvss_vector")}
    after.update(component=row.component_label, severity=row.severity, due_at=row.due_at)
    changes = {name: [before[name], after[name]] for name in before if before[name] != after[name]}
    if changes:
        _audit("update", actor, row, changes)
    return row


@transaction.atomic
def vulnerability_override_severity(
    *, actor, vulnerability: Vulnerability, severity: str, reason: str, now: datetime.datetime | None = None
) -> Vulnerability:
    """Set (or, with an empty ``severity``, clear) a security officer's override of the scored severity,
    with the reason (e.g. "not reachable: internal only"). The deadline follows. Audited."""
    now = now or timezone.now()
    if actor is not None and not may_manage_vulnerabilities(actor):
        raise PermissionDenied(_("Only security officers override a severity."))
    row = _locked(vulnerability)
    reason = (reason or "").strip()
    if severity and severity not in Severity.values:
        raise ValidationError({"severity": _("Not a severity: %(value)s.") % {"value": severity}})
    if severity and not reason:
        raise ValidationError({"reason": _("Say why the scored severity does not apply.")})
    before = [row.severity_override, row.override_reason, row.severity, row.due_at]
    row.severity_override, row.override_reason = severity, reason if severity else ""
    row.severity = row.severity_override or row.scored_severity
    due_changed = set_due(row, now=now) if row.is_open else []
    _save(row, ["severity_override", "override_reason", "severity", *due_changed], now)
    _after_save(row, due_changed)
    _audit(
        "override_severity",
        actor,
        row,
        {
            "severity_override": [before[0], row.severity_override],
            "override_reason": [before[1], row.override_reason],
            "severity": [before[2], row.severity],
            "due_at": [before[3], row.due_at],
        },
    )
    return row


@transaction.atomic
def vulnerability_assign(
    *, actor, vulnerability: Vulnerability, owner, now: datetime.datetime | None = None
) -> Vulnerability:
    """Hand the vulnerability to ``owner`` (an active person; None: back to the system's owner). The
    deadline is a day in the new owner's calendar. Audited."""
    now = now or timezone.now()
    row = _locked(vulnerability)
    _require_change(actor, row)
    owner = owner or row.system.owner
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": _("This person is no longer active.")})
    if owner == row.owner:
        return row
    before = row.owner
    row.owner = owner
    due_changed = set_due(row, now=now) if row.is_open else []
    _save(row, ["owner", *due_changed], now)
    _after_save(row, due_changed)
    _audit("assign", actor, row, {"owner": [str(before or ""), str(owner or "")], "due_at": row.due_at})
    return row


def _move(row: Vulnerability, to: str) -> str:
    if to not in allowed_next(row):
        words = {
            "before": row.get_status_display().lower(),
            "after": str(VulnerabilityStatus(to).label).lower(),
        }
        raise ValidationError(
            {"status": _("A vulnerability that is %(before)s cannot become %(after)s.") % words}
        )
    before, row.status = row.status, to
    return before


def _settle(row: Vulnerability, now, fields: list[str]) -> list[str]:
    """The vulnerability leaves the open statuses (fixed, accepted, false positive)."""
    row.settled_at = now
    return [*fields, "settled_at"]


def _transition(action, *, actor, vulnerability, to, now, fields=(), changes=None, prepare=None):
    """One step of the workflow: lock, check the actor and the step, ``prepare(row)`` (checks and field
    changes), save, settle a breach when it left the open statuses, audit."""
    now = now or timezone.now()
    row = _locked(vulnerability)
    _require_change(actor, row)
    was_open = row.is_open
    before = _move(row, to)
    fields = ["status", *fields]
    if prepare is not None:
        fields += prepare(row, now)
    if was_open and not row.is_open:
        fields = _settle(row, now, fields)
    _save(row, fields, now)
    if was_open and not row.is_open and row.breached_at is not None:
        settle_breach(row)
    _audit(action, actor, row, {"status": [before, to], **(changes(row) if changes else {})})
    return row


def vulnerability_triage(*, actor, vulnerability, now=None) -> Vulnerability:
    """new → triaged: the remediation clock starts (when the policy counts from triage)."""

    def prepare(row, now):
        row.triaged_at = row.triaged_at or now
        return ["triaged_at", *set_due(row, now=now)]

    with transaction.atomic():
        return _transition(
            "triage", actor=actor, vulnerability=vulnerability, to=S.TRIAGED, now=now, prepare=prepare,
            changes=lambda row: {"due_at": row.due_at},
        )  # fmt: skip


def vulnerability_start_remediation(*, actor, vulnerability, now=None) -> Vulnerability:
    """triaged → in remediation: someone is working on the fix."""
    with transaction.atomic():
        return _transition(
            "start_remediation", actor=actor, vulnerability=vulnerability, to=S.IN_REMEDIATION, now=now
        )


def vulnerability_mark_fixed(*, actor, vulnerability, note: str = "", now=None) -> Vulnerability:
    """→ fixed, pending a security officer's verification; ``note`` says how it is known (e.g. "not found
    in scan of 7 Dec 2026")."""
    note = " ".join((note or "").split())
    if len(note) > 300:
        raise ValidationError({"note": _("At most %(limit)s characters.") % {"limit": 300}})

    def prepare(row, now):
        row.fixed_at, row.fixed_note = now, note
        return ["fixed_at", "fixed_note"]

    with transaction.atomic():
        return _transition(
            "mark_fixed", actor=actor, vulnerability=vulnerability, to=S.FIXED, now=now, prepare=prepare,
            changes=lambda row: {"note": row.fixed_note},
        )  # fmt: skip


def vulnerability_verify(*, actor, vulnerability, now=None) -> Vulnerability:
    """fixed → verified, by a security officer (not whoever fixed it alone)."""
    if actor is not None and not may_manage_vulnerabilities(actor):
        raise PermissionDenied(_("Only security officers verify a fix."))

    def prepare(row, now):
        row.verified_at = now
        return ["verified_at"]

    with transaction.atomic():
        return _transition(
            "verify", actor=actor, vulnerability=vulnerability, to=S.VERIFIED, now=now, prepare=prepare
        )


def current_acceptance(risk: Risk, today: datetime.date) -> RiskAcceptance | None:
    """The risk's approved acceptance that has not expired (the risk app's rules decided its approvals)."""
    return (
        RiskAcceptance.objects.filter(risk=risk, status=AcceptanceStatus.APPROVED, expires_on__gte=today)
        .order_by("-expires_on")
        .first()
    )


def vulnerability_accept_risk(*, actor, vulnerability, risk: Risk | None, now=None) -> Vulnerability:
    """→ risk accepted, linked to ``risk``, whose acceptance must be approved and not expired: the
    vulnerability stays accepted until that acceptance expires (then the tick reopens it)."""

    def prepare(row, now):
        if risk is None:
            raise ValidationError({"risk": _("Name the risk of the register that accepts this.")})
        acceptance = current_acceptance(risk, now.date())
        if acceptance is None:
            raise ValidationError(
                {
                    "risk": _(
                        "%(reference)s has no approved acceptance in force: ask for one on the risk first."
                    )
                    % {"reference": risk.reference}
                }
            )
        row.risk, row.accepted_until = risk, acceptance.expires_on
        return ["risk", "accepted_until"]

    with transaction.atomic():
        return _transition(
            "accept_risk", actor=actor, vulnerability=vulnerability, to=S.RISK_ACCEPTED, now=now,
            prepare=prepare,
            changes=lambda row: {"risk": row.risk.reference, "accepted_until": row.accepted_until},
        )  # fmt: skip


def vulnerability_mark_false_positive(*, actor, vulnerability, reason: str, now=None) -> Vulnerability:
    """→ false positive, with the reason (required)."""
    reason = (reason or "").strip()

    def prepare(row, now):
        if not reason:
            raise ValidationError({"reason": _("Say why this is a false positive.")})
        row.false_positive_reason = reason
        return ["false_positive_reason"]

    with transaction.atomic():
        return _transition(
            "mark_false_positive", actor=actor, vulnerability=vulnerability, to=S.FALSE_POSITIVE, now=now,
            prepare=prepare, changes=lambda row: {"reason": reason},
        )  # fmt: skip


def vulnerability_reopen(*, actor, vulnerability, reason: str = "", now=None) -> Vulnerability:
    """Fixed, verified, risk accepted or false positive → triaged again (seen again, the fix did not hold,
    the acceptance ended). Its deadline is the one it had: the clock does not start over."""

    def prepare(row, now):
        row.triaged_at = row.triaged_at or now
        row.settled_at = row.fixed_at = row.verified_at = None
        row.accepted_until = None
        row.fixed_note = ""
        # Open again: the tick reminds, escalates and announces a breach afresh (the old finding was
        # resolved when it settled).
        row.reminded_at, row.escalation_level, row.breached_at = None, 0, None
        return ["triaged_at", "settled_at", "fixed_at", "verified_at", "accepted_until", "fixed_note",
                "reminded_at", "escalation_level", "breached_at", *set_due(row, now=now)]  # fmt: skip

    with transaction.atomic():
        return _transition(
            "reopen", actor=actor, vulnerability=vulnerability, to=S.TRIAGED, now=now, prepare=prepare,
            changes=lambda row: {"reason": (reason or "").strip(), "due_at": row.due_at},
        )  # fmt: skip


# The workflow's steps by the name the page's and the API's step forms send.
STEP_SERVICES = {
    "triage": vulnerability_triage,
    "start_remediation": vulnerability_start_remediation,
    "mark_fixed": vulnerability_mark_fixed,
    "verify": vulnerability_verify,
    "accept_risk": vulnerability_accept_risk,
    "mark_false_positive": vulnerability_mark_false_positive,
    "reopen": vulnerability_reopen,
}


def vulnerability_seen(*, vulnerability, seen_at: datetime.datetime) -> None:
    """A scan saw it again: move its last-seen time (no audit event: a sighting changes no decision)."""
    Vulnerability.objects.filter(pk=vulnerability.pk, last_seen_at__lt=seen_at).update(last_seen_at=seen_at)


def reopen_expired_acceptances(*, now: datetime.datetime) -> int:
    """Tick step: a vulnerability whose risk acceptance expired (or was revoked) is triaged again, by the
    system; each once (it is no longer risk accepted afterwards)."""
    in_force = RiskAcceptance.objects.filter(
        risk=OuterRef("risk"), status=AcceptanceStatus.APPROVED, expires_on__gte=now.date()
    )
    ended = Vulnerability.objects.filter(status=S.RISK_ACCEPTED).exclude(Exists(in_force))
    reopened = 0
    for vulnerability in ended.order_by("pk"):
        try:
            vulnerability_reopen(
                actor=None, vulnerability=vulnerability, reason="The risk acceptance ended.", now=now
            )
        except ValidationError:  # changed meanwhile (another worker reopened it)
            continue
        reopened += 1
    return reopened
