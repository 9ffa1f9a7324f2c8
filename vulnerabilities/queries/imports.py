"""Reads for scanner imports: who may import a scan of which system, which imports each person may read, and
one import's page and progress.

Security officers import scans of any system, and a file that names its system (Trivy's and Grype's
artifact, a CycloneDX file's component) needs no system chosen; a system's owner imports scans of the
systems they own. Officers and auditors read every import; an owner reads the imports of their systems and
their own uploads.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from access.models import System
from vulnerabilities.models import ScanImport
from vulnerabilities.queries.register import may_manage_vulnerabilities, may_record_on


def may_import_scan(user, system: System | None) -> bool:
    """Whether ``user`` may import a scan of ``system`` (None: the file names it; officers only)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if system is None:
        return may_manage_vulnerabilities(user)
    return may_record_on(user, system)


def can_upload_scans(user) -> bool:
    """The upload page: security officers and system owners."""
    if not (user.is_authenticated and user.is_active):
        return False
    return may_manage_vulnerabilities(user) or (
        not user.is_auditor and System.objects.filter(owner=user).exists()
    )


def require_upload(user) -> None:
    if not can_upload_scans(user):
        raise PermissionDenied(_("Only security officers and system owners import scans."))


def importable_systems(user):
    """The systems offered at upload."""
    systems = System.objects.order_by("name").only("name")
    return systems if may_manage_vulnerabilities(user) else systems.filter(owner=user)


def scan_imports_for_user(user):
    """The imports ``user`` may read, without their file (up to 50 MB); anyone with no part gets a 403."""
    imports = ScanImport.objects.defer("content").select_related("system", "uploaded_by")
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied(_("Sign in to read scanner imports."))
    if user.is_security_officer or user.is_auditor:
        return imports
    if can_upload_scans(user):
        return imports.filter(Q(system__owner=user) | Q(uploaded_by=user))
    raise PermissionDenied(_("Only security officers, auditors and system owners read scanner imports."))


def may_read_imports(user) -> bool:
    """The menu's Imports link."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_security_officer or user.is_auditor or can_upload_scans(user))
    )


def get_scan_import_for(user, pk, *, progress_only: bool = False) -> ScanImport:
    """One import ``user`` may read, or a 404. ``progress_only``: what the progress poll reads."""
    imports = scan_imports_for_user(user)
    if progress_only:
        imports = imports.defer("content", "result")
    return get_object_or_404(imports, pk=pk)
