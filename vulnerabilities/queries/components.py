"""Reads of the component inventories: who sees and changes a system's components, the inventory, and the
latest SBOM import's difference (from the audit trail). Each read runs a fixed number of queries."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Window
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import System
from dpms.models import AuditEvent
from vulnerabilities.choices import OPEN_STATUSES, SEVERITY_ORDER
from vulnerabilities.models import Component, Vulnerability
from vulnerabilities.queries.register import SEVERITY_RANK

SBOM_ACTION = "vulnerabilities.sbom.import"


def may_read_components(user, system: System) -> bool:
    """Officers, auditors and the system's owner (no query: the owner is a column of the row)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_security_officer or user.is_auditor or system.owner_id == user.pk)
    )


def may_change_components(user, system: System) -> bool:
    """Officers and the system's owner; auditors change nothing."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_security_officer or (system.owner_id == user.pk and not user.is_auditor))
    )


def get_system_for_components(user, pk, *, for_change: bool = False) -> System:
    """The system whose inventory ``user`` may read (404 otherwise: staff learn nothing of other systems);
    with ``for_change``, one they may change (403)."""
    system = get_object_or_404(System.objects.select_related("owner"), pk=pk)
    if not may_read_components(user, system):
        raise Http404(_("No such system."))
    if for_change and not may_change_components(user, system):
        raise PermissionDenied(_("Only security officers and the system's owner change its components."))
    return system


def inventory(system: System):
    """The system's current components (one query)."""
    return Component.objects.filter(system=system, removed_at__isnull=True).order_by("name", "version", "pk")


def get_component(system: System, pk) -> Component:
    return get_object_or_404(Component.objects.select_related("system"), system=system, pk=pk)


def latest_sbom_import(system: System) -> AuditEvent | None:
    """The latest SBOM import of the system, with its difference (one query)."""
    return (
        AuditEvent.objects.filter(action=SBOM_ACTION, object_type="access.system", object_id=str(system.pk))
        .order_by("-sequence")
        .first()
    )


SECTION_ROWS = 20


def system_section(system: System) -> dict:
    """What a system's page shows of its components and open vulnerabilities: the first of each and their
    counts (three queries, whatever the numbers)."""
    open_rows = Vulnerability.objects.filter(system=system, status__in=OPEN_STATUSES)
    counts = open_rows.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lte=timezone.now())),
        **{severity: Count("pk", filter=Q(severity=severity)) for severity in SEVERITY_ORDER},
    )
    # The first rows and the count of all in one query (a window over the whole inventory).
    components = list(inventory(system).annotate(total=Window(Count("pk")))[:SECTION_ROWS])
    return {
        "system": system,
        "components": components,
        "component_count": components[0].total if components else 0,
        "vulnerabilities": list(
            open_rows.select_related("component").order_by(SEVERITY_RANK, "due_at", "pk")[:SECTION_ROWS]
        ),
        "counts": counts,
        "by_severity": [(severity.label, severity.value, counts[severity]) for severity in SEVERITY_ORDER],
    }


def components_for_user(user):
    """Every component of the systems whose inventory ``user`` may read (one queryset)."""
    rows = Component.objects.select_related("system")
    if not (user.is_authenticated and user.is_active):
        return rows.none()
    if user.is_security_officer or user.is_auditor:
        return rows
    return rows.filter(system__owner=user)


def get_component_for_user(user, pk) -> Component:
    return get_object_or_404(components_for_user(user), pk=pk)
