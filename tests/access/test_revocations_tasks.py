"""Revocation tasks: the owner marks them done (revoking the grant); overdue ones are reminded, escalated."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from access.choices import TaskStatus
from access.models import RevocationTask
from access.services.revocations import remind_overdue_tasks, revocation_task_done
from dpms.models import AuditEvent, Notification
from tests.access.factories import RevocationTaskFactory, SystemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def task(staff):
    """A task for ``staff`` as system owner (whose manager is ``manager``), due yesterday."""
    return RevocationTaskFactory(
        grant__role__system=SystemFactory(owner=staff), assignee=staff, due_at=NOW - DAY
    )


def test_done_revokes_the_grant_and_records_who_and_when(task, staff):
    revocation_task_done(task=task, actor=staff, note="Removed in LDAP", now=NOW)
    task.refresh_from_db()
    task.grant.refresh_from_db()
    assert (task.status, task.done_by, task.done_at, task.done_note) == (
        TaskStatus.DONE,
        staff,
        NOW,
        "Removed in LDAP",
    )
    assert (task.grant.revoked_at, task.grant.revoked_by) == (NOW, staff)
    assert AuditEvent.objects.filter(action="access.revocation.done").count() == 1


def test_done_needs_a_note_and_happens_once(task, staff):
    with pytest.raises(ValidationError):
        revocation_task_done(task=task, actor=staff, note="  ", now=NOW)
    revocation_task_done(task=task, actor=staff, note="Removed", now=NOW)
    with pytest.raises(ValidationError, match="done already"):
        revocation_task_done(task=task, actor=staff, note="Again", now=NOW)


def test_others_cannot_complete_a_task(task, outsider, auditor):
    for person in (outsider, auditor):
        with pytest.raises(ValidationError):
            revocation_task_done(task=task, actor=person, note="x", now=NOW)
    assert RevocationTask.objects.get().status == TaskStatus.OPEN


def test_overdue_tasks_are_reminded_daily_once(task, staff):
    assert remind_overdue_tasks(now=NOW) == 1
    assert remind_overdue_tasks(now=NOW) == 0
    assert remind_overdue_tasks(now=NOW + DAY) == 1
    assert (
        Notification.objects.filter(recipient=staff, subject__startswith="Overdue access revocations").count()
        == 2
    )


def test_overdue_tasks_escalate_to_the_manager_then_the_security_officers(
    task, staff, manager, security_officer
):
    remind_overdue_tasks(now=NOW + 2 * DAY)
    task.refresh_from_db()
    assert (task.escalation_level, task.escalated_to) == (1, manager)
    remind_overdue_tasks(now=NOW + 2 * DAY + datetime.timedelta(hours=1))
    assert Notification.objects.filter(recipient=manager, subject__startswith="Escalated").count() == 1
    remind_overdue_tasks(now=NOW + 5 * DAY)
    remind_overdue_tasks(now=NOW + 6 * DAY)
    task.refresh_from_db()
    assert task.escalation_level == 2
    assert (
        Notification.objects.filter(recipient=security_officer, subject__startswith="Escalated").count() == 1
    )
    assert (
        Notification.objects.filter(
            recipient=staff, subject__startswith="Overdue revocation escalated"
        ).count()
        == 2
    )
    assert AuditEvent.objects.filter(action="access.revocation.escalate").count() == 2


def test_done_tasks_are_neither_reminded_nor_escalated(task, staff):
    revocation_task_done(task=task, actor=staff, note="Removed", now=NOW)
    assert remind_overdue_tasks(now=NOW + 10 * DAY) == 0


def test_owner_without_manager_escalates_to_the_security_officers(security_officer):
    owner = UserFactory()
    task = RevocationTaskFactory(
        grant__role__system=SystemFactory(owner=owner), assignee=owner, due_at=NOW - 4 * DAY
    )
    remind_overdue_tasks(now=NOW)
    task.refresh_from_db()
    assert (task.escalation_level, task.escalated_to) == (2, None)
