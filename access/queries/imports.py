"""Reads for imports: who may import which systems, the import history each person may read, and the
uploaded files (jobs) each person may see and act on.

Security officers import any system; a system owner imports only the systems they own. Security officers
and auditors read the whole history; an owner reads the batches that touched one of their systems. An
uploaded file is seen by its uploader, who alone confirms or discards it, and (read-only) by the security
officers and auditors, who read every import anyway.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from access.choices import ImportJobState
from access.models import ImportBatch, ImportJob, System

SORTS = {
    "newest": ("-uploaded_at", "-pk"),
    "oldest": ("uploaded_at", "pk"),
    "filename": ("filename", "-uploaded_at"),
    "created": ("-created_count", "-uploaded_at"),
    "flagged": ("-flagged_count", "-uploaded_at"),
}


def _owns_a_system(user) -> bool:
    return System.objects.filter(owner=user).exists()


def may_import_system(user, system: System) -> bool:
    """Whether ``user`` may import grants of ``system`` (no query: the owner is a column of the row)."""
    return bool(user.is_active and (user.is_security_officer or system.owner_id == user.pk))


def sees_imports_link(user) -> bool:
    """The menu's Imports link: security officers and auditors (an owner imports from their system's page)."""
    return bool(user.is_authenticated and (user.is_security_officer or user.is_auditor))


def can_upload_imports(user) -> bool:
    return bool(user.is_active and (user.is_security_officer or _owns_a_system(user)))


def require_upload(user) -> None:
    """The upload pages: security officers and system owners; anyone else gets a 403."""
    if not can_upload_imports(user):
        raise PermissionDenied(_("Only security officers and system owners import grants."))


def may_import_every_system(user) -> bool:
    """Security officers import any system; everyone else at most the systems they own."""
    return bool(user.is_active and user.is_security_officer)


def importable_systems(user):
    systems = System.objects.all()
    return systems if may_import_every_system(user) else systems.filter(owner=user)


def history_systems(user):
    """The systems offered in the history's filter."""
    systems = System.objects.only("name")
    return systems if user.is_security_officer or user.is_auditor else systems.filter(owner=user)


def import_batches_for_user(user):
    """The import history ``user`` may read; a person with no part in imports gets a 403."""
    batches = ImportBatch.objects.select_related("uploaded_by").prefetch_related("systems")
    if user.is_active and (user.is_security_officer or user.is_auditor):
        return batches
    if user.is_active and _owns_a_system(user):
        owned = ImportBatch.systems.through.objects.filter(importbatch=OuterRef("pk"), system__owner=user)
        return batches.filter(Exists(owned))
    raise PermissionDenied(_("Only security officers, auditors and system owners read the import history."))


def filter_import_batches(batches, *, system=None, uploaded_by="", full="", sort="newest"):
    if system is not None:
        batches = batches.filter(systems=system)
    if uploaded_by:
        batches = batches.filter(
            Q(uploaded_by__email__icontains=uploaded_by) | Q(uploaded_by__full_name__icontains=uploaded_by)
        )
    if full in ("yes", "no"):
        batches = batches.filter(full=full == "yes")
    return batches.order_by(*SORTS.get(sort or "newest", SORTS["newest"]))


# --- Uploaded files (jobs) --------------------------------------------------------------------------------


def import_jobs_for_user(user):
    """The uploaded files ``user`` may see; never their content (up to 5 MB), which only the tasks read."""
    jobs = ImportJob.objects.defer("content")
    if user.is_active and (user.is_security_officer or user.is_auditor):
        return jobs
    return jobs.filter(uploaded_by=user)


def get_import_job_for(user, pk, *, progress_only: bool = False) -> ImportJob:
    """One uploaded file, or a 404 for anyone who may not see it. ``progress_only``: what the progress poll
    reads (not the check's result)."""
    jobs = import_jobs_for_user(user)
    jobs = jobs.defer("result") if progress_only else jobs.select_related("uploaded_by", "batch")
    return get_object_or_404(jobs, pk=pk)


def may_act_on_import_job(user, job: ImportJob) -> bool:
    """Confirm or discard: the uploader only (no query: the uploader is a column of the row)."""
    return bool(user is not None and user.is_active and job.uploaded_by_id == user.pk)


def require_act_on_import_job(user, job: ImportJob) -> None:
    """A person who may see the job but did not upload it gets a 403."""
    if not may_act_on_import_job(user, job):
        raise PermissionDenied(_("Only the person who uploaded the file confirms or discards it."))


def open_import_jobs(user):
    """``user``'s own uploads that imported nothing yet (checking, waiting, failed, importing), newest
    first: the top of the import history, so they find them again."""
    return (
        ImportJob.objects.defer("content", "result")
        .filter(uploaded_by=user)
        .exclude(state=ImportJobState.APPLIED)
        .order_by("-uploaded_at", "-pk")
    )
