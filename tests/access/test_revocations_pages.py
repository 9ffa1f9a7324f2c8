"""Revocation task pages: owners see their own, security officers all, auditors read; others get 404."""

import datetime

import pytest
from django.utils import timezone

from access.choices import TaskStatus
from access.models import Grant, RevocationTask
from tests.access.factories import RevocationTaskFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(staff):
    return RevocationTaskFactory(
        grant__role__system=SystemFactory(owner=staff, name="Ledger"), assignee=staff
    )


def test_list_shows_owners_only_their_tasks(client, client_for, personas, task):
    other = RevocationTaskFactory()
    assert client.get("/access/revocations/").status_code == 302
    page = client_for(personas["staff"]).get("/access/revocations/")
    assert list(page.context["page"].object_list) == [task]
    assert (
        list(client_for(personas["outsider"]).get("/access/revocations/").context["page"].object_list) == []
    )
    for persona in ("security_officer", "auditor"):
        listed = client_for(personas[persona]).get("/access/revocations/").context["page"].object_list
        assert set(listed) == {task, other}


def test_detail_permission_ladder(client, client_for, personas, task):
    path = f"/access/revocations/{task.pk}/"
    assert client.get(path).status_code == 302
    for persona in ("outsider", "manager"):
        assert client_for(personas[persona]).get(path).status_code == 404
        assert client_for(personas[persona]).post(f"{path}done", {"note": "x"}).status_code == 404
    for persona in ("staff", "security_officer", "auditor"):
        assert client_for(personas[persona]).get(path).status_code == 200
    assert client_for(personas["auditor"]).post(f"{path}done", {"note": "x"}).status_code == 403
    assert RevocationTask.objects.get().status == TaskStatus.OPEN


def test_owner_marks_done_from_the_page(client_for, staff, task):
    response = client_for(staff).post(f"/access/revocations/{task.pk}/done", {"note": "Removed in AD"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert Grant.objects.get(pk=task.grant_id).revoked_at is not None


def test_done_without_note_is_a_form_error(client_for, staff, task):
    response = client_for(staff).post(f"/access/revocations/{task.pk}/done", {"note": ""})
    assert response.status_code == 400
    assert RevocationTask.objects.get().status == TaskStatus.OPEN


def test_list_filters_and_sorts(client_for, security_officer, task):
    RevocationTaskFactory(status=TaskStatus.DONE)
    client = client_for(security_officer)
    assert list(client.get("/access/revocations/?status=open").context["page"].object_list) == [task]
    by_system = (
        client.get(f"/access/revocations/?system={task.system_id}&sort=system").context["page"].object_list
    )
    assert list(by_system) == [task]
    assert client.get("/access/revocations/?status=bogus").status_code == 200


@pytest.mark.parametrize("n", [10, 200])
def test_list_query_count_does_not_grow(client_for, security_officer, django_assert_num_queries, n):
    role = RoleFactory()
    users = UserFactory.create_batch(n)
    grants = Grant.objects.bulk_create([Grant(user=u, role=role) for u in users])
    due = timezone.now() + datetime.timedelta(days=7)
    RevocationTask.objects.bulk_create(
        [RevocationTask(system=role.system, grant=g, assignee=role.system.owner, due_at=due) for g in grants]
    )
    client = client_for(security_officer)
    # session, user, user-session savepoints/insert (5), roles, task count, unread count, systems for the
    # filter, one page of tasks with system, holder, role, owner, done by, escalated to; session save (3).
    with django_assert_num_queries(16):
        assert client.get("/access/revocations/").status_code == 200
