"""The register's own checks: administrators kept to the bare minimum, and vulnerabilities past their
remediation deadline.

A system with more active privileged grants than its ``max_privileged`` gets an open finding
(``too_many_privileged``); the finding is resolved when the system is back within its limit.

A system with a vulnerability past its remediation deadline gets an open finding
(``vulnerability_overdue``) when the vulnerabilities app announces the breach, resolved when it announces
that none remains (``dpms.portal`` events; access knows nothing of vulnerabilities beyond the payload).
"""

from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from access.choices import FindingKind
from access.models import Finding, Grant, System
from access.queries.register import active_privileged_count
from dpms import audit

CHECKED_KIND = FindingKind.TOO_MANY_PRIVILEGED


def _systems_to_change():
    """Systems whose finding state is wrong: over the limit without an open finding, or within with one."""
    privileged = (
        Grant.objects.active()
        .privileged()
        .filter(role__system=OuterRef("pk"))
        .order_by()
        .values("role__system")
        .annotate(n=Count("pk"))
        .values("n")
    )
    open_finding = Finding.objects.filter(system=OuterRef("pk"), kind=CHECKED_KIND, resolved_at__isnull=True)
    return (
        System.objects.annotate(
            privileged_now=Coalesce(Subquery(privileged, output_field=IntegerField()), Value(0)),
            has_finding=Exists(open_finding),
        )
        .filter(
            Q(privileged_now__gt=F("max_privileged"), has_finding=False)
            | Q(privileged_now__lte=F("max_privileged"), has_finding=True)
        )
        .values_list("pk", flat=True)
    )


@transaction.atomic
def _reconcile_system(*, system_id: int, now) -> int:
    """Open or resolve the system's finding to match its current count; 1 when something changed."""
    # Lock the system row: two ticks on two workers must not both open (or both resolve) its finding.
    # skip_locked: the other worker is handling this system right now, so leave it to them.
    system = System.objects.select_for_update(skip_locked=True).filter(pk=system_id).first()
    if system is None:
        return 0
    count = active_privileged_count(system)
    finding = Finding.objects.filter(system=system, kind=CHECKED_KIND, resolved_at__isnull=True).first()
    if count > system.max_privileged and finding is None:
        finding = Finding.objects.create(
            kind=CHECKED_KIND,
            system=system,
            opened_at=now,
            details=f"{count} active privileged grants; the maximum is {system.max_privileged}.",
        )
        audit.record(
            action="access.finding.open",
            obj=finding,
            changes={"kind": CHECKED_KIND, "privileged": count, "maximum": system.max_privileged},
        )
        return 1
    if count <= system.max_privileged and finding is not None:
        finding.resolved_at = now
        finding.resolution = f"Back within the limit: {count} of at most {system.max_privileged}."
        finding.save(update_fields=["resolved_at", "resolution"])
        audit.record(
            action="access.finding.resolve",
            obj=finding,
            changes={"resolved_at": [None, now], "privileged": count, "maximum": system.max_privileged},
        )
        return 1
    return 0


def check_privileged_limits(*, now=None) -> int:
    """Tick step: open a finding for each system over its privileged maximum, resolve those back within it.

    Idempotent (a second run finds nothing to change) and safe on several workers (each system is handled
    under its row lock). Returns how many findings were opened or resolved.
    """
    now = now or timezone.now()
    return sum(_reconcile_system(system_id=pk, now=now) for pk in list(_systems_to_change()))


def on_vulnerability_deadline_breached(*, system, vulnerability) -> None:
    """Listener of ``vulnerability.deadline_breached``: open the system's finding, once (a second breach on
    the same system while it is open adds nothing). Runs in the announcing transaction."""
    # Lock the system row: two breaches announced at once must not both open a finding.
    System.objects.select_for_update().filter(pk=system.pk).first()
    kind = FindingKind.VULNERABILITY_OVERDUE
    if Finding.objects.filter(system=system, kind=kind, resolved_at__isnull=True).exists():
        return
    finding = Finding.objects.create(
        kind=kind,
        system=system,
        opened_at=timezone.now(),
        details=f"{vulnerability.reference} {vulnerability.title} is past its remediation deadline.",
    )
    audit.record(
        action="access.finding.open",
        obj=finding,
        changes={"kind": kind, "vulnerability": vulnerability.reference},
    )


def on_vulnerability_deadline_settled(*, system, vulnerability) -> None:
    """Listener of ``vulnerability.deadline_settled``: no vulnerability of the system is past its deadline
    any more, so its finding is resolved."""
    kind = FindingKind.VULNERABILITY_OVERDUE
    finding = (
        Finding.objects.select_for_update().filter(system=system, kind=kind, resolved_at__isnull=True).first()
    )
    if finding is None:
        return
    now = timezone.now()
    finding.resolved_at = now
    finding.resolution = f"No vulnerability past its deadline any more (last: {vulnerability.reference})."
    finding.save(update_fields=["resolved_at", "resolution"])
    audit.record(
        action="access.finding.resolve",
        obj=finding,
        changes={"resolved_at": [None, now], "vulnerability": vulnerability.reference},
    )
