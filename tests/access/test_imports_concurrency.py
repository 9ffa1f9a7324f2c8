"""Imports racing on PostgreSQL. Two confirms of the same file at once (double submit, or two officers): the
system rows are locked for the import, so the second waits, plans from the first's result and creates
nothing. Two runs of one job's apply (a re-sent task): one commits. And while an import writes its grants,
other audited writes go on: the audit chain's head is locked only for the import's last write, and its
progress is seen from outside its transaction."""

import threading

import pytest
from django.db import connection, transaction

from access.models import Grant, ImportBatch, ImportJob
from access.services import imports
from access.services.imports import import_apply, import_job_apply, import_job_confirm
from dpms import audit
from dpms.models import AuditEvent
from tests.access.factories import RoleFactory, SystemFactory
from tests.access.imports_support import create_checked
from tests.concurrency import same_call_at_once, start_at_once
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def payroll_file(count=20):
    system = SystemFactory(name="Payroll")
    RoleFactory(system=system, name="Viewer")
    people = [UserFactory(email=f"p{n}@example.com") for n in range(count)]
    return ("email,system,role\n" + "".join(f"{p.email},Payroll,Viewer\n" for p in people)).encode()


def test_two_imports_of_the_same_file_at_once_create_each_grant_once(requires_postgres):
    officer = UserFactory(roles=["security officer"])
    content = payroll_file()

    # Raises if either of them failed.
    same_call_at_once(lambda: import_apply(actor=officer, filename="f.csv", content=content, full=True), 2)

    assert Grant.objects.active().count() == 20
    assert sorted(ImportBatch.objects.values_list("created_count", flat=True)) == [0, 20]


def test_two_runs_of_one_confirmed_job_at_once_apply_it_once(requires_postgres):
    officer = UserFactory(roles=["security officer"])
    job = create_checked(officer, payroll_file())
    import_job_confirm(job=job, actor=officer)

    reports = same_call_at_once(lambda: import_job_apply(job_id=job.pk), 2)

    assert sorted(report["state"] for report in reports) == ["applied", "applied"]
    assert sum("batch_id" in report for report in reports) == 1  # the other rolled back
    assert ImportBatch.objects.get().created_count == 20
    assert ImportJob.objects.get(pk=job.pk).batch == ImportBatch.objects.get()
    assert AuditEvent.objects.filter(action="access.grant.create").count() == 20
    assert audit.verify().ok


def test_audited_writes_go_on_while_an_import_writes_and_its_progress_is_seen(requires_postgres, monkeypatch):
    officer = UserFactory(roles=["security officer"])
    job = create_checked(officer, payroll_file(), full=True)
    import_job_confirm(job=job, actor=officer)
    audit.record(action="test.start")  # the chain head exists
    reached, go_on = threading.Event(), threading.Event()
    flag_absent = imports._flag_absent

    def paused(*args):
        reached.set()  # the grants are written (not yet committed); the import waits here
        assert go_on.wait(30)
        flag_absent(*args)

    monkeypatch.setattr(imports, "_flag_absent", paused)
    running = start_at_once(lambda: import_job_apply(job_id=job.pk))
    try:
        assert reached.wait(30)
        # Progress written through the import's second connection, while its transaction is open.
        assert ImportJob.objects.filter(pk=job.pk).values_list("state", "phase").get() == (
            "applying",
            "updating",
        )
        assert not Grant.objects.exists()  # the import's writes are not committed yet
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET LOCAL lock_timeout = '2s'"
                )  # fails here if the import held the chain head
            audit.record(action="test.meanwhile")
    finally:
        go_on.set()
    [report] = running.wait()

    assert report["state"] == "applied"
    assert Grant.objects.count() == 20
    events = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert events[:2] == ["test.start", "test.meanwhile"]  # the import's events come after, in one batch
    assert events[2:] == ["access.grant.create"] * 20 + ["access.import.apply"]
    assert audit.verify().ok
