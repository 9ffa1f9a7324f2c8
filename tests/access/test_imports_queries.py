"""What an import costs in queries: lookups are read once into maps, so the count does not grow per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.models import Grant, ImportBatch, ImportJob, Role
from access.services.imports import import_apply, import_job_check, import_job_create, import_plan
from dpms import audit
from dpms.models import AuditEvent, User
from tests.access.factories import ImportBatchFactory, RoleFactory, SystemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(security_officer):
    """Two systems with three roles each, and 2,000 people (bulk-inserted: fast)."""
    roles = []
    for name in ("Payroll", "CRM"):
        system = SystemFactory(name=name)
        roles += [RoleFactory(system=system, name=role) for role in ("Viewer", "Editor", "Admin")]
    User.objects.bulk_create(
        [
            User(email=f"importee{n:04d}@example.com", full_name=f"Person {n}", password="!")
            for n in range(2000)
        ],
    )
    return roles


def content_for(count, roles):
    lines = ["email,system,role"] + [
        f"importee{n // len(roles):04d}@example.com,{role.system.name},{role.name}"
        for n, role in ((n, roles[n % len(roles)]) for n in range(count))
    ]
    return ("\n".join(lines) + "\n").encode()


def queries_of(function):
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def plan_queries(actor, content):
    assert actor.is_security_officer  # reads the portal roles once, before counting
    return queries_of(lambda: import_plan(actor=actor, filename="f.csv", content=content, full=True))


def test_the_preview_costs_the_same_for_50_and_500_rows(security_officer, world):
    # Queries: systems, their roles (prefetch), people, the grants of those systems.
    small, big = content_for(50, world), content_for(500, world)
    assert plan_queries(security_officer, small) == plan_queries(security_officer, big) == 4


def test_a_preview_full_of_problems_costs_the_same_for_50_and_500_rows(security_officer, world):
    small = content_for(50, world).replace(b"@example.com", b"@nowhere.test")
    big = content_for(500, world).replace(b"@example.com", b"@nowhere.test")
    assert plan_queries(security_officer, small) == plan_queries(security_officer, big) == 3


def apply_queries(actor, content, full=True):
    return queries_of(lambda: import_apply(actor=actor, filename="f.csv", content=content, full=full))


def test_reimporting_an_unchanged_file_costs_the_same_for_50_and_500_rows(security_officer, world):
    small, big = content_for(50, world), content_for(500, world)
    import_apply(actor=security_officer, filename="f.csv", content=big, full=False)

    assert apply_queries(security_officer, small, full=False) == apply_queries(
        security_officer, big, full=False
    )


def test_creating_grants_costs_queries_per_batch_not_per_row_with_one_audit_event_each(
    security_officer, world
):
    """New grants are written in batches (the rows, then their audit events under one lock of the chain):
    the cost grows by insert statements, not by grants (SQLite splits a batch by its bound-parameter limit,
    PostgreSQL writes up to a thousand rows in one); each grant still has its own audit event."""
    apply_queries(security_officer, content_for(1, world))  # the audit chain's head exists from here on
    Grant.objects.all().delete()
    hundred = apply_queries(security_officer, content_for(100, world))
    Grant.objects.all().delete()
    events_before = AuditEvent.objects.filter(action="access.grant.create").count()
    three_hundred = apply_queries(security_officer, content_for(300, world))
    assert three_hundred - hundred < 200 / 20  # under one query per 20 grants (one per grant before)
    created = AuditEvent.objects.filter(action="access.grant.create").count() - events_before
    assert created == Grant.objects.count() == 300
    assert audit.verify().ok


def test_a_file_of_2000_rows_imports_in_one_go(security_officer, world):
    content = content_for(2000, world)

    batch = import_apply(actor=security_officer, filename="big.csv", content=content, full=True)

    assert (batch.row_count, batch.created_count) == (2000, 2000)
    assert Grant.objects.active().count() == 2000
    assert set(Role.objects.values_list("grants__source", flat=True)) == {"import"}
    again = import_apply(actor=security_officer, filename="big.csv", content=content, full=True)
    assert (again.created_count, again.unchanged_count, again.flagged_count) == (0, 2000, 0)
    assert ImportBatch.objects.count() == 2


@pytest.mark.parametrize("count", [5, 60])
def test_the_history_costs_the_same_whatever_its_length(
    client_for, auditor, django_assert_num_queries, count
):
    system = SystemFactory()
    ImportBatch.systems.through.objects.bulk_create(
        [ImportBatch.systems.through(importbatch=ImportBatchFactory(), system=system) for _ in range(count)]
    )
    client = client_for(auditor)
    client.get(reverse("access:import_list"))  # the first request records the sign-in's session row
    # The page's own 8: auditor's groups, "owns a system?" (upload button), the filter's systems, count, the
    # page of batches, their systems, the person's unfinished uploads, unread count (base.html); the other
    # 10 are the session machinery.
    with django_assert_num_queries(18):
        assert client.get(reverse("access:import_list")).status_code == 200


def test_a_partial_file_reads_only_the_grants_of_the_people_and_roles_it_names(security_officer, world):
    import_apply(actor=security_officer, filename="all.csv", content=content_for(600, world), full=True)
    first = content_for(6, world)  # one person, the six roles
    with CaptureQueriesContext(connection) as captured:
        plan = import_plan(actor=security_officer, filename="one.csv", content=first, full=False)
    assert len(plan.unchanged) == 6
    reads = [q["sql"] for q in captured.captured_queries if 'FROM "access_grant"' in q["sql"]]
    assert reads
    assert all('"access_grant"."user_id" IN' in sql for sql in reads)  # not every grant of the systems
    full = import_plan(actor=security_officer, filename="one.csv", content=first, full=True)
    assert len(full.to_flag) == 594  # a full export still compares with every grant of its systems


def job_page_queries(client, url, django_assert_num_queries, expected):
    client.get(url)  # the first request records the sign-in's session row
    with django_assert_num_queries(expected) as captured:
        assert client.get(url).status_code == 200
    # The file itself (up to 5 MB) is never read by a page.
    assert not [q for q in captured.captured_queries if '"access_importjob"."content"' in q["sql"]]


@pytest.mark.parametrize("rows", [10, 500])
def test_the_progress_poll_costs_the_same_whatever_the_size_of_the_file(
    client_for, security_officer, world, django_assert_num_queries, rows
):
    job = import_job_create(
        actor=security_officer, filename="f.csv", content=content_for(rows, world), full=True
    )
    url = reverse("access:import_job_progress", args=[job.pk])
    # The poll's own 3: the officer's groups (who sees which uploads), the job without its file or result,
    # the unread count (the portal's context processor); the other 7 are the session machinery, which does
    # not save the session again: a poll is no sign of activity (``without_session_renewal``).
    job_page_queries(client_for(security_officer), url, django_assert_num_queries, 10)


@pytest.mark.parametrize("rows", [10, 500])
def test_the_page_of_a_checked_file_costs_the_same_whatever_its_size(
    client_for, security_officer, world, django_assert_num_queries, rows
):
    import_apply(actor=security_officer, filename="all.csv", content=content_for(600, world), full=True)
    job = import_job_create(
        actor=security_officer, filename="f.csv", content=content_for(rows, world), full=True
    )
    import_job_check(job_id=job.pk)
    assert ImportJob.objects.get(pk=job.pk).result["to_flag_count"] == 600 - rows
    url = reverse("access:import_job", args=[job.pk])
    # The page's own 3: the officer's groups, the job with its uploader and batch (not its file), the
    # unread count (base.html); the lists come from the stored result. The other 10: the session machinery.
    job_page_queries(client_for(security_officer), url, django_assert_num_queries, 13)
