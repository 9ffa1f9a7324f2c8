"""Revocation tasks through the API: the tasks that are yours (security officers and auditors: all),
filtered like the page; completed with a note by the assignee, the system's owner or a security officer
(revoking the grant); 404 where the page hides a task, 403 where it refuses."""

import pytest
from django.urls import reverse

from access.choices import TaskStatus
from access.models import Grant, RevocationTask, Role, System
from dpms.models import AuditEvent, AuditSource, User
from tests.access.factories import RevocationTaskFactory, SystemFactory
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TASKS = reverse("api:access-revocation-task-list")


def as_(user, *, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


def url(name, task):
    return reverse(f"api:access-revocation-task-{name}", args=[task.pk])


@pytest.fixture
def task(staff):
    return RevocationTaskFactory(
        grant__role__system=SystemFactory(owner=staff, name="Ledger"), assignee=staff
    )


def test_the_owner_completes_a_task_audited_as_api(staff, task):
    token, text = token_for(staff, read_only=False, name="deprovisioner")
    response = api_client(text).post(url("complete", task), {"note": "Removed in Ledger."}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["done_note"], body["can_complete"]) == ("done", "Removed in Ledger.", False)
    assert Grant.objects.get(pk=task.grant_id).revoked_at is not None
    event = AuditEvent.objects.get(action="access.revocation.done")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} deprovisioner")
    again = api_client(text).post(url("complete", task), {"note": "Again."}, format="json")
    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"] == ["This task is done already."]


def test_completing_needs_a_note(staff, task):
    response = as_(staff).post(url("complete", task), {"note": ""}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()["errors"]
    assert RevocationTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


# persona: (detail, complete) on a task of staff's system, assigned to staff
WHO_MAY = {
    "staff": (200, 200),
    "security_officer": (200, 200),
    "auditor": (200, 403),
    "manager": (404, 404),
    "admin": (404, 404),
    "outsider": (404, 404),
}


@pytest.mark.parametrize("persona", sorted(WHO_MAY))
def test_who_may_read_and_complete_as_the_page_decides(personas, task, persona):
    client = as_(personas[persona])
    detail, complete = WHO_MAY[persona]
    assert client.get(url("detail", task)).status_code == detail
    assert client.post(url("complete", task), {"note": "Done."}, format="json").status_code == complete
    if complete != 200:
        assert RevocationTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_tasks_are_mine_and_filtered_like_the_page(staff, task, security_officer):
    other = RevocationTaskFactory()
    ids = lambda client, params=None: {row["id"] for row in client.get(TASKS, params).json()["results"]}  # noqa: E731
    assert ids(as_(staff, read_only=True)) == {task.pk}
    officer = as_(security_officer, read_only=True)
    assert ids(officer) == {task.pk, other.pk}
    assert ids(officer, {"system": task.system_id}) == {task.pk}
    assert ids(officer, {"status": "done"}) == set()
    assert ids(officer, {"q": task.grant.user.email}) == {task.pk}
    assert officer.get(TASKS, {"system": "abc"}).status_code == 400


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_task_list_runs_a_fixed_number_of_queries(staff, rows, django_assert_num_queries):
    holders = User.objects.bulk_create(UserFactory.build_batch(rows))
    system = System.objects.create(name="Ledger", owner=staff)
    role = Role.objects.create(system=system, name="Bookkeeper")
    grants = Grant.objects.bulk_create([Grant(user=person, role=role) for person in holders])
    RevocationTask.objects.bulk_create(
        [RevocationTaskFactory.build(grant=grant, system=system, assignee=staff) for grant in grants]
    )
    client = as_(staff, read_only=True)
    client.get(TASKS)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), the caller's portal roles (1: whose tasks), a page of tasks with system,
    # holder, role, assignee, completer and escalation joined (1)
    with django_assert_num_queries(3):
        assert len(client.get(TASKS + "?page_size=200").json()["results"]) == min(rows, 200)
