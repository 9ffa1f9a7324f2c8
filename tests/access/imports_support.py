"""Shared by the import tests: the Payroll system, CSV content, and jobs taken through their steps in the
test's own thread (the Celery tests send them to a real worker instead)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from access.models import ImportJob
from access.services.imports import import_job_apply, import_job_check, import_job_confirm, import_job_create
from tests.access.factories import RoleFactory, SystemFactory
from tests.factories import UserFactory

GOOD = b"email,system,role\nsam.staff@example.com,Payroll,Viewer\n"


@pytest.fixture(name="payroll")
def payroll_fixture(staff):
    """Payroll, owned by Paula, with a Viewer role; the staff persona exists (GOOD names them)."""
    system = SystemFactory(name="Payroll", owner=UserFactory(email="paula.owner@example.com"))
    RoleFactory(system=system, name="Viewer")
    return system


def upload(client, content=GOOD, full=False, name="grants.csv"):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if full:
        data["full"] = "on"
    return client.post(reverse("access:import_upload"), data)


def job_url(job, name="import_job") -> str:
    return reverse(f"access:{name}", args=[job.pk])


def uploaded_job(response) -> ImportJob:
    """The job an upload response redirected to."""
    assert response.status_code == 302, response.content
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def checked(job: ImportJob) -> ImportJob:
    """Run the check step here, as the worker would."""
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    return job


def create_checked(actor, content=GOOD, *, full=False, filename="grants.csv") -> ImportJob:
    return checked(import_job_create(actor=actor, filename=filename, content=content, full=full))


def applied(job: ImportJob, actor=None) -> ImportJob:
    """Confirm (as its uploader unless ``actor`` is given) and run the apply step here."""
    import_job_confirm(job=job, actor=actor or job.uploaded_by)
    import_job_apply(job_id=job.pk)
    job.refresh_from_db()
    return job
