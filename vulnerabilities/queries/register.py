"""Reads of the vulnerability register: who sees and changes which vulnerability, the register's list with
its filters, and one vulnerability's page. Each read runs a fixed number of queries whatever the data size.

Security officers and auditors see every vulnerability; a system's owner sees those of their systems, and a
person sees those they own. Officers change any; a system's owner and the vulnerability's owner move it
through remediation; auditors change nothing."""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Length
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from access.models import System
from dpms.models import AuditEvent
from risk.queries.register import risks_for_user
from vulnerabilities.choices import OPEN_STATUSES, SEVERITY_ORDER
from vulnerabilities.models import Component, Vulnerability


def sees_all_vulnerabilities(user) -> bool:
    """Security officers and auditors read the whole register."""
    return bool(user.is_authenticated and user.is_active and (user.is_security_officer or user.is_auditor))


def may_manage_vulnerabilities(user) -> bool:
    """Security officers record vulnerabilities on any system, override severities and verify fixes."""
    return bool(user.is_authenticated and user.is_active and user.is_security_officer)


def _owns_something(user) -> bool:
    """Whether ``user`` owns a system or a vulnerability: asked once per request (kept on the user)."""
    cached = getattr(user, "_owns_vulnerability_scope", None)
    if cached is None:
        cached = bool(
            System.objects.filter(owner=user).exists() or Vulnerability.objects.filter(owner=user).exists()
        )
        user._owns_vulnerability_scope = cached
    return cached


def sees_register_link(user) -> bool:
    """The menu's link: security officers and auditors (no query: the roles are read once per request).
    A system's owner reaches their vulnerabilities from the system's page and the dashboard; asking every
    page whether its viewer owns a system would cost every page of the portal a query."""
    return sees_all_vulnerabilities(user)


def may_open_register(user) -> bool:
    """The register (and the menu's link): officers, auditors, and owners of a system or a vulnerability."""
    if not (user.is_authenticated and user.is_active):
        return False
    return sees_all_vulnerabilities(user) or _owns_something(user)


def require_register(user) -> None:
    if not may_open_register(user):
        raise PermissionDenied(_("The vulnerability register is for security officers, auditors and owners."))


def vulnerabilities_for_user(user):
    """Every vulnerability ``user`` may see, in one queryset."""
    vulnerabilities = Vulnerability.objects.all()
    if sees_all_vulnerabilities(user):
        return vulnerabilities
    if not (user.is_authenticated and user.is_active):
        return vulnerabilities.none()
    return vulnerabilities.filter(Q(system__owner=user) | Q(owner=user))


def may_change(user, vulnerability: Vulnerability) -> bool:
    """Officers, the system's owner and the vulnerability's owner move it through remediation (no query:
    the system is fetched with it)."""
    if not (user.is_authenticated and user.is_active) or user.is_auditor and not user.is_security_officer:
        return False
    return bool(
        user.is_security_officer
        or vulnerability.owner_id == user.pk
        or vulnerability.system.owner_id == user.pk
    )


def may_record_on(user, system: System) -> bool:
    """Officers record a vulnerability on any system; an owner on their own."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_security_officer or (system.owner_id == user.pk and not user.is_auditor))
    )


def get_vulnerability_for_user(user, pk, *, for_change: bool = False) -> Vulnerability:
    """A vulnerability ``user`` may see (404 otherwise); with ``for_change``, one they may change (403)."""
    vulnerability = get_object_or_404(
        vulnerabilities_for_user(user).select_related(
            "system__owner", "component", "owner", "risk", "created_by"
        ),
        pk=pk,
    )
    if for_change and not may_change(user, vulnerability):
        raise PermissionDenied(_("Only security officers and its owners change this vulnerability."))
    return vulnerability


def register_rows(user):
    """The register's rows with their system, component, owner and accepted risk (one query)."""
    return vulnerabilities_for_user(user).select_related("system__owner", "component", "owner", "risk")


# --- The register's list ---------------------------------------------------------------------------------
SEVERITY_RANK = Case(
    *(When(severity=severity, then=Value(rank)) for rank, severity in enumerate(SEVERITY_ORDER)),
    default=Value(len(SEVERITY_ORDER)),
    output_field=IntegerField(),
)
SORTS = {
    "-first_seen": ("-first_seen_at", "-pk"),
    "first_seen": ("first_seen_at", "pk"),
    "severity": (SEVERITY_RANK, "-first_seen_at", "-pk"),
    "due": (F("due_at").asc(nulls_last=True), "pk"),
    "reference": (Length("reference"), "reference"),
}


def systems_for_filter(user):
    """The systems the filter offers: all for those who see everything, else those they own."""
    systems = System.objects.order_by("name")
    if sees_all_vulnerabilities(user):
        return systems
    return systems.filter(Q(owner=user) | Q(vulnerabilities__owner=user)).distinct()


def filter_vulnerabilities(
    rows, *, user, now, q="", severity="", status="", system=None, source="", overdue=False, mine=False,
    sort="", **_ignored,
):  # fmt: skip
    """``rows`` narrowed by the register's filters and sorted (newest first by default)."""
    if q:
        rows = rows.filter(
            Q(reference__icontains=q) | Q(title__icontains=q) | Q(identifier__icontains=q)
            | Q(aliases__icontains=q) | Q(component__name__icontains=q)
        )  # fmt: skip
    if severity:
        rows = rows.filter(severity=severity)
    if status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    if system is not None:
        rows = rows.filter(system=system)
    if source:
        rows = rows.filter(source=source)
    if overdue:
        rows = rows.filter(status__in=OPEN_STATUSES, due_at__lte=now)
    if mine:
        rows = rows.filter(Q(owner=user) | Q(system__owner=user))
    return rows.order_by(*SORTS.get(sort or "-first_seen", SORTS["-first_seen"]))


def vulnerability_timeline(vulnerability: Vulnerability):
    """The vulnerability's audit events, oldest first (one query): its timeline."""
    return AuditEvent.objects.filter(
        object_type="vulnerabilities.vulnerability", object_id=str(vulnerability.pk)
    ).order_by("sequence")


def risks_to_link(user):
    """The risks offered when accepting a vulnerability's risk: those the person may see."""
    return risks_for_user(user).order_by("reference")


def components_of(system: System):
    """The system's current inventory (components not removed by a later SBOM)."""
    return Component.objects.filter(system=system, removed_at__isnull=True).order_by("name", "version", "pk")


def may_record_anywhere(user) -> bool:
    """Whether the page to record a vulnerability is for ``user``: officers, and owners of a system."""
    if not (user.is_authenticated and user.is_active) or (user.is_auditor and not user.is_security_officer):
        return False
    return bool(user.is_security_officer or System.objects.filter(owner=user).exists())


def systems_to_record_on(user):
    systems = System.objects.order_by("name")
    return systems if user.is_security_officer else systems.filter(owner=user)


def components_to_pick(user):
    """The components offered when recording (the form checks the one picked is of the system)."""
    return Component.objects.filter(system__in=systems_to_record_on(user), removed_at__isnull=True)


NEXT = {
    "new": ("triage", "mark_fixed", "mark_false_positive"),
    "triaged": ("start_remediation", "mark_fixed", "accept_risk", "mark_false_positive"),
    "in_remediation": ("mark_fixed", "accept_risk", "mark_false_positive"),
    "fixed": ("verify", "reopen"),
    "verified": ("reopen",),
    "risk_accepted": ("reopen",),
    "false_positive": ("reopen",),
}


def steps_for(user, vulnerability: Vulnerability) -> list[str]:
    """The workflow steps ``user`` may take from the vulnerability's status (verifying is an officer's)."""
    if not may_change(user, vulnerability):
        return []
    steps = list(NEXT.get(vulnerability.status, ()))
    if not may_manage_vulnerabilities(user):
        steps = [step for step in steps if step != "verify"]
    return steps
