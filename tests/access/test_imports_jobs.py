"""Uploaded files as jobs, at the service level: who may upload, confirm and discard; a job applied once; the
capped lists a check keeps; the audit trail written last, in one batch; progress as the check goes; and jobs
whose task was lost (sent again, then failed)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import tasks
from access.choices import ImportJobState
from access.models import Grant, ImportBatch, ImportJob
from access.services import imports
from access.services.imports import (
    import_apply,
    import_job_apply,
    import_job_check,
    import_job_confirm,
    import_job_create,
    import_job_discard,
    import_jobs_sweep,
)
from dpms import audit
from dpms.models import AuditEvent
from tests.access.factories import GrantFactory, RoleFactory
from tests.access.imports_support import (
    GOOD,
    applied,
    create_checked,
    payroll_fixture,  # noqa: F401 - fixture
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rows_for(people, role_name="Viewer"):
    return ("email,system,role\n" + "".join(f"{p.email},Payroll,{role_name}\n" for p in people)).encode()


# --- Upload, confirm, discard ---------------------------------------------------------------------------


def test_only_security_officers_and_system_owners_upload(staff, payroll):
    with pytest.raises(ValidationError, match="Only security officers and system owners"):
        import_job_create(actor=staff, filename="f.csv", content=GOOD, full=False)
    assert not ImportJob.objects.exists()


def test_a_file_over_5_mb_is_refused(security_officer):
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        import_job_create(
            actor=security_officer, filename="f.csv", content=b"x" * (5 * 1024 * 1024 + 1), full=False
        )
    assert not ImportJob.objects.exists()


def test_an_upload_is_stored_and_sent_to_be_checked_after_commit(
    security_officer, payroll, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as sent:
        job = import_job_create(actor=security_officer, filename="f.csv", content=GOOD, full=True)
    assert [(c.func, c.args) for c in sent] == [(imports._enqueue, (imports.CHECK_TASK, job.pk))]
    assert (job.state, job.total, job.size, job.sha256) == (
        "checking",
        1,
        len(GOOD),
        imports.file_sha256(GOOD),
    )


def test_only_the_uploader_confirms(security_officer, payroll, admin_user):
    job = create_checked(payroll.owner)
    for someone in (security_officer, admin_user):
        with pytest.raises(ValidationError, match="Only the person who uploaded"):
            import_job_confirm(job=job, actor=someone)
    job.refresh_from_db()
    assert job.state == ImportJobState.CHECKED


def test_a_file_with_problems_cannot_be_confirmed(security_officer, payroll):
    job = create_checked(security_officer, b"email,system,role\nnobody@example.com,Payroll,Viewer\n")
    assert job.state == ImportJobState.CHECK_FAILED
    with pytest.raises(ValidationError, match="not waiting for confirmation"):
        import_job_confirm(job=job, actor=security_officer)


def test_a_job_is_confirmed_once_and_applied_once(
    security_officer, payroll, django_capture_on_commit_callbacks
):
    job = create_checked(security_officer)
    with django_capture_on_commit_callbacks() as sent:
        import_job_confirm(job=job, actor=security_officer)
        with pytest.raises(ValidationError, match="confirmed already"):
            import_job_confirm(job=job, actor=security_officer)
    assert len(sent) == 1

    first, second = import_job_apply(job_id=job.pk), import_job_apply(job_id=job.pk)

    assert (first["state"], first["created"]) == ("applied", 1)
    assert second == {"job_id": job.pk, "state": "applied"}
    assert ImportBatch.objects.count() == 1
    job.refresh_from_db()
    assert (job.batch, bytes(job.content)) == (ImportBatch.objects.get(), b"")  # the file is not kept


def test_the_uploader_discards_a_waiting_job_but_not_a_running_one(security_officer, payroll, auditor):
    job = create_checked(security_officer)
    with pytest.raises(ValidationError):
        import_job_discard(job=job, actor=auditor)
    import_job_discard(job=job, actor=security_officer)
    assert not ImportJob.objects.exists()

    running = import_job_create(actor=security_officer, filename="f.csv", content=GOOD, full=False)
    with pytest.raises(ValidationError, match="cannot be discarded"):
        import_job_discard(job=running, actor=security_officer)


# --- What a check keeps ----------------------------------------------------------------------------------


def test_a_check_keeps_the_first_problems_and_counts_the_rest(security_officer, payroll, monkeypatch):
    monkeypatch.setattr(imports, "LIST_LIMIT", 2)
    content = "email,system,role\n" + "".join(f"nobody{n}@example.com,Payroll,Viewer\n" for n in range(5))

    job = create_checked(security_officer, content.encode())

    result = job.result
    assert [p["row"] for p in result["problems"]] == [2, 3]
    assert (result["problems_count"], result["problems_not_listed"]) == (5, 3)
    assert result["problems"][0] == {
        "row": 2,
        "column": "email",
        "message": "Unknown person: no active user with the email nobody0@example.com.",
    }


def test_a_check_of_a_full_export_keeps_the_first_grants_to_flag(security_officer, payroll, monkeypatch):
    monkeypatch.setattr(imports, "LIST_LIMIT", 2)
    viewer = payroll.roles.get()
    for person in UserFactory.create_batch(3):
        GrantFactory(user=person, role=viewer)

    job = create_checked(security_officer, full=True)

    assert (job.result["to_create"], job.result["to_flag_count"], job.result["to_flag_not_listed"]) == (
        1,
        3,
        1,
    )
    assert set(job.result["to_flag"][0]) == {"email", "system", "role", "granted_at"}


def test_the_check_writes_its_progress_as_it_goes(security_officer, payroll, monkeypatch):
    """Each progress write is committed as it is made (the check runs in autocommit), so the page sees it."""
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 0)
    content = "email,system,role\n" + "".join(f"p{n}@example.com,Payroll,Viewer\n" for n in range(2500))
    job = import_job_create(actor=security_officer, filename="f.csv", content=content.encode(), full=False)
    seen = []
    write = imports.JobProgress.__call__

    def spy(self, phase, done, total):
        write(self, phase, done, total)
        seen.append(tuple(ImportJob.objects.filter(pk=job.pk).values_list("phase", "done", "total").get()))

    monkeypatch.setattr(imports.JobProgress, "__call__", spy)
    import_job_check(job_id=job.pk)

    assert ("reading", 999, 2500) in seen
    assert ("reading", 1999, 2500) in seen
    assert ("looking_up", 0, 0) in seen
    job.refresh_from_db()
    assert (job.state, job.phase, job.done, job.total) == ("check_failed", "", 2500, 2500)


# --- The audit trail, last and in one batch ---------------------------------------------------------------


def test_the_apply_writes_the_audit_trail_last_in_one_batch(security_officer, payroll, staff, second_report):
    """Every other write comes first; from the moment the audit chain's head is locked there is nothing but
    the audit events and the head itself until the end. The events are one per new grant, then the import's,
    appended in one ``append_many`` call (built before it, outside the lock)."""
    GrantFactory(user=UserFactory(), role=payroll.roles.get())  # absent from the full file: flagged
    audit.record(action="test.start")  # the chain head exists
    calls = []
    append_many = audit.append_many

    def spy(events, **kwargs):
        calls.append([item.event.action for item in events])
        return append_many(events, **kwargs)

    with pytest.MonkeyPatch.context() as patch, CaptureQueriesContext(connection) as captured:
        patch.setattr(audit, "append_many", spy)
        batch = import_apply(
            actor=security_officer, filename="f.csv", content=rows_for([staff, second_report]), full=True
        )

    assert calls == [["access.grant.create", "access.grant.create", "access.import.apply"]]
    statements = [q["sql"] for q in captured.captured_queries]
    first_lock = next(n for n, sql in enumerate(statements) if "dpms_auditchainhead" in sql)
    after = [sql for sql in statements[first_lock:] if not sql.startswith(("SAVEPOINT", "RELEASE"))]
    assert after
    assert all("dpms_auditchainhead" in sql or "dpms_auditevent" in sql for sql in after), after
    if connection.vendor == "postgresql":  # the rows' foreign keys checked before the lock, not at the commit
        assert "SET CONSTRAINTS ALL IMMEDIATE" in statements[:first_lock]
    assert (batch.created_count, batch.flagged_count) == (2, 1)
    assert AuditEvent.objects.filter(action="access.grant.create").count() == 2
    assert audit.verify().ok


def test_the_job_is_marked_applied_before_the_audit_lock_and_reports_how_long_it_was_held(
    security_officer, payroll
):
    job = create_checked(security_officer)
    import_job_confirm(job=job, actor=security_officer)

    report = import_job_apply(job_id=job.pk)

    assert report["state"] == "applied"
    assert report["audit_events"] == 2
    assert 0 <= report["audit_lock_seconds"] <= report["seconds"]
    assert report["batch_id"] == ImportBatch.objects.get().pk


# --- Late failures --------------------------------------------------------------------------------------


def test_an_owner_who_lost_the_system_after_the_check_imports_nothing(payroll, staff):
    job = create_checked(payroll.owner)
    import_job_confirm(job=job, actor=payroll.owner)
    payroll.owner = UserFactory()
    payroll.save()

    assert import_job_apply(job_id=job.pk)["state"] == "failed"

    job.refresh_from_db()
    assert job.error.startswith("The file no longer imports cleanly")
    assert [(p["row"], p["column"]) for p in job.result["problems"]] == [(2, "system")]
    assert not Grant.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="access.").exists()


def test_a_grant_refused_while_writing_fails_the_job_and_writes_nothing(
    security_officer, payroll, monkeypatch
):
    job = create_checked(security_officer)
    import_job_confirm(job=job, actor=security_officer)

    def refuse(**kwargs):
        raise ValidationError("Someone already holds one of these roles; check the file again.")

    monkeypatch.setattr(imports, "grants_create_many", refuse)

    assert import_job_apply(job_id=job.pk)["state"] == "failed"
    job.refresh_from_db()
    assert (
        job.error == "Someone already holds one of these roles; check the file again. Nothing was imported."
    )
    assert not ImportBatch.objects.exists()


def test_an_unexpected_error_in_a_task_ends_the_job_failed(security_officer, payroll, monkeypatch):
    job = import_job_create(actor=security_officer, filename="f.csv", content=GOOD, full=False)

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(imports, "import_plan", broken)
    with pytest.raises(RuntimeError):
        tasks.check_import(job.pk)  # the task's function, called here

    job.refresh_from_db()
    assert (job.state, job.error) == (
        "failed",
        "An unexpected error stopped the work on this file: nothing was imported.",
    )


# --- Lost tasks -----------------------------------------------------------------------------------------


def stall(job, minutes=11):
    ImportJob.objects.filter(pk=job.pk).update(
        progress_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def test_a_check_that_lost_its_task_is_sent_again_then_fails_after_the_last_attempt(
    security_officer, payroll, django_capture_on_commit_callbacks
):
    job = import_job_create(actor=security_officer, filename="f.csv", content=GOOD, full=False)
    now = timezone.now()
    stall(job, minutes=9)
    assert import_jobs_sweep(now=now) == 0  # not yet: it may still be waiting for a worker

    for attempt in (2, 3):
        stall(job)
        with django_capture_on_commit_callbacks() as sent:
            assert import_jobs_sweep(now=now) == 1
        assert [c.args for c in sent] == [(imports.CHECK_TASK, job.pk)]
        job.refresh_from_db()
        assert (job.state, job.attempts) == ("checking", attempt)

    stall(job)
    with django_capture_on_commit_callbacks() as sent:
        import_jobs_sweep(now=now)
    assert not sent
    job.refresh_from_db()
    assert job.state == ImportJobState.FAILED
    assert "stopped 3 times" in job.error
    assert bytes(job.content) == b""


def test_an_apply_that_lost_its_task_is_sent_again_and_still_applies_once(
    security_officer, payroll, django_capture_on_commit_callbacks
):
    job = create_checked(security_officer)
    import_job_confirm(job=job, actor=security_officer)
    stall(job)

    with django_capture_on_commit_callbacks() as sent:
        import_jobs_sweep(now=timezone.now())

    assert [c.args for c in sent] == [(imports.APPLY_TASK, job.pk)]
    import_job_apply(job_id=job.pk)  # the lost run, delivered late after all
    import_job_apply(job_id=job.pk)  # the one the sweep sent
    assert ImportBatch.objects.count() == 1
    assert Grant.objects.count() == 1


def test_a_job_left_waiting_for_a_week_is_deleted_with_its_file(security_officer, payroll):
    old, recent = create_checked(security_officer), create_checked(security_officer)
    done = applied(create_checked(security_officer))
    stall(old, minutes=7 * 24 * 60 + 1)
    stall(done, minutes=7 * 24 * 60 + 1)

    assert import_jobs_sweep(now=timezone.now()) == 1

    assert set(ImportJob.objects.values_list("pk", flat=True)) == {recent.pk, done.pk}


def test_the_access_tick_sweeps_import_jobs():
    assert imports.import_jobs_sweep in tasks.TICK_STEPS


def test_many_new_grants_are_written_in_batches_with_one_audit_event_each(security_officer, payroll):
    role = RoleFactory(system=payroll, name="Editor")
    people = UserFactory.create_batch(30)
    job = create_checked(security_officer, rows_for(people, role.name))

    applied(job)

    assert Grant.objects.filter(role=role).count() == 30
    assert AuditEvent.objects.filter(action="access.grant.create").count() == 30
    assert audit.verify().ok
