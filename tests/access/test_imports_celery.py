"""Imports end to end on a real Celery worker: the upload is checked by the worker while its page polls the
progress, the confirmed file is applied by the worker, all or nothing, once."""

import pytest

from access.choices import ImportJobState
from access.models import Grant, ImportBatch, ImportJob
from dpms import audit
from dpms.models import AuditEvent
from tests.access.imports_support import (
    job_url,
    payroll_fixture,  # noqa: F401 - fixture
    upload,
    uploaded_job,
)
from tests.dpms.outbox_support import wait_until
from tests.factories import UserFactory

pytestmark = pytest.mark.celery


def content_for(people):
    return ("email,system,role\n" + "".join(f"{p.email},Payroll,Viewer\n" for p in people)).encode()


def reaches(job, *states):
    return wait_until(lambda: ImportJob.objects.get(pk=job.pk).state in states, timeout=60)


def test_the_worker_checks_an_upload_and_its_page_shows_the_counts_and_problems(
    celery_worker, client_for, security_officer, payroll
):
    people = UserFactory.create_batch(3)
    client = client_for(security_officer)

    good = uploaded_job(upload(client, content_for(people), full=True))
    bad = uploaded_job(upload(client, content_for(people) + b"nobody@example.com,Payroll,Viewer\n"))

    assert reaches(good, ImportJobState.CHECKED)
    assert reaches(bad, ImportJobState.CHECK_FAILED)
    page = client.get(job_url(good))
    assert b'data-testid="import-summary"' in page.content
    assert b"<strong>3</strong> new grants" in page.content
    assert b'data-testid="import-confirm"' in page.content
    problems = client.get(job_url(bad))
    assert b"no active user with the email nobody@example.com" in problems.content
    assert ImportJob.objects.get(pk=bad.pk).result["problems"][0]["row"] == 5
    assert not Grant.objects.exists()


def test_the_worker_applies_a_confirmed_file_with_one_audit_event_per_grant(
    celery_worker, client_for, security_officer, payroll
):
    people = UserFactory.create_batch(5)
    client = client_for(security_officer)
    job = uploaded_job(upload(client, content_for(people)))
    assert reaches(job, ImportJobState.CHECKED)

    client.post(job_url(job, "import_job_confirm"))

    assert reaches(job, ImportJobState.APPLIED)
    batch = ImportBatch.objects.get()
    assert ImportJob.objects.get(pk=job.pk).batch == batch
    assert Grant.objects.filter(source="import").count() == batch.created_count == 5
    created = AuditEvent.objects.filter(action="access.grant.create")
    assert sorted(int(e.object_id) for e in created) == sorted(Grant.objects.values_list("pk", flat=True))
    summary = AuditEvent.objects.get(action="access.import.apply")
    assert (summary.object_id, summary.source, summary.actor) == (str(batch.pk), "task", security_officer)
    assert audit.verify().ok
    assert b'data-testid="import-result"' in client.get(job_url(job)).content


def test_a_file_that_fails_late_ends_failed_with_the_rows_problem_and_writes_nothing(
    celery_worker, client_for, security_officer, payroll
):
    people = UserFactory.create_batch(3)
    client = client_for(security_officer)
    job = uploaded_job(upload(client, content_for(people)))
    assert reaches(job, ImportJobState.CHECKED)
    people[1].is_active = False  # left between the check and the confirmation
    people[1].save()
    events_before = AuditEvent.objects.count()

    client.post(job_url(job, "import_job_confirm"))

    assert reaches(job, ImportJobState.FAILED)
    page = client.get(job_url(job))
    assert b'data-testid="import-failure"' in page.content
    assert f"no active user with the email {people[1].email}".encode() in page.content
    assert [p["row"] for p in ImportJob.objects.get(pk=job.pk).result["problems"]] == [3]
    assert not Grant.objects.exists()
    assert not ImportBatch.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_a_double_confirm_applies_the_file_once(celery_worker, client_for, security_officer, payroll):
    people = UserFactory.create_batch(4)
    client = client_for(security_officer)
    job = uploaded_job(upload(client, content_for(people)))
    assert reaches(job, ImportJobState.CHECKED)

    client.post(job_url(job, "import_job_confirm"))
    client.post(job_url(job, "import_job_confirm"))

    assert reaches(job, ImportJobState.APPLIED)
    assert ImportBatch.objects.count() == 1
    assert Grant.objects.count() == 4
    assert AuditEvent.objects.filter(action="access.import.apply").count() == 1
