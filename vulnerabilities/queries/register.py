"""Reads of the vulnerability register: who sees and changes which vulnerability, the register's list with
its filters, and one vulnerability's page. Each read runs a fixed number of queries whatever the data size.

Security officers and auditors see every vulnerability; a system's owner sees those of their systems, and a
person sees those they own. Officers change any; a system's owner and the vulnerability's owner move it
through remediation; auditors change nothing."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from access.models import System
from vulnerabilities.models import Vulnerability


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


def may_open_register(user) -> bool:
    """The register (and the menu's link): officers, auditors, and owners of a system or a vulnerability."""
    if not (user.is_authenticated and user.is_active):
        return False
    return sees_all_vulnerabilities(user) or _owns_something(user)


def require_register(user) -> None:
    if not may_open_register(user):
        raise PermissionDenied("The vulnerability register is for security officers, auditors and owners.")


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
        raise PermissionDenied("Only security officers and its owners change this vulnerability.")
    return vulnerability


def register_rows(user):
    """The register's rows with their system, component and owner (one query)."""
    return vulnerabilities_for_user(user).select_related("system", "component", "owner")
