"""At expiry the tick revokes a temporary grant, or opens a revocation task for the owner, per system."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from access.choices import ExpiryAction, TaskStatus
from access.models import Grant, RevocationTask
from access.services.expiry import EXPIRY_REASON, expire_grants
from dpms.models import AuditEvent, Notification
from tests.access.factories import GrantFactory, RevocationTaskFactory, RoleFactory, SystemFactory
from tests.dpms.outbox_support import wait_until
from tests.factories import UserFactory

NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


def ended_grant(user, *, action=ExpiryAction.REVOKE, owner=None, hours_ago=1):
    system = SystemFactory(name="Payroll", owner=owner or UserFactory(), expiry_action=action)
    return GrantFactory(
        user=user,
        role=RoleFactory(system=system, name="Reader"),
        granted_at=NOW - datetime.timedelta(days=30),
        expires_at=NOW - datetime.timedelta(hours=hours_ago),
    )


@pytest.mark.django_db
def test_an_ended_grant_is_revoked_audited_and_both_sides_told(staff):
    grant = ended_grant(staff)
    still_running = GrantFactory(user=staff, expires_at=NOW + datetime.timedelta(hours=1))
    assert expire_grants(now=NOW) == 1
    grant.refresh_from_db()
    assert (grant.revoked_at, grant.revoked_by, grant.revoke_reason) == (NOW, None, EXPIRY_REASON)
    event = AuditEvent.objects.get(action="access.grant.revoke", object_id=str(grant.pk))
    assert (event.source, event.actor) == ("task", None)
    told = set(
        Notification.objects.filter(subject__startswith="Temporary access ended").values_list(
            "recipient", flat=True
        )
    )
    assert told == {staff.pk, grant.role.system.owner_id}
    still_running.refresh_from_db()
    assert still_running.revoked_at is None


@pytest.mark.django_db
def test_expiry_opens_one_revocation_task_when_the_system_says_so(staff):
    owner = UserFactory()
    grant = ended_grant(staff, action=ExpiryAction.TASK, owner=owner)
    assert expire_grants(now=NOW) == 1
    assert expire_grants(now=NOW + datetime.timedelta(minutes=5)) == 0  # the next tick finds the task open
    task = RevocationTask.objects.get()
    assert (task.grant, task.assignee, task.status) == (grant, owner, TaskStatus.OPEN)
    assert task.due_at == NOW + datetime.timedelta(days=3)
    grant.refresh_from_db()
    assert grant.revoked_at is None  # the owner removes it in the system and marks the task done
    event = AuditEvent.objects.get(action="access.grant.expire", object_id=str(grant.pk))
    assert event.changes["revocation_task"] == task.pk
    assert (
        Notification.objects.filter(recipient=owner, subject__startswith="Temporary access ended").count()
        == 1
    )


@pytest.mark.django_db
def test_a_grant_with_a_task_already_open_gets_no_second_task(staff):
    grant = ended_grant(staff, action=ExpiryAction.TASK)
    RevocationTaskFactory(grant=grant)
    assert expire_grants(now=NOW) == 0
    assert RevocationTask.objects.count() == 1


@pytest.mark.django_db
def test_running_the_expiry_twice_revokes_once_and_catches_up_after_downtime(staff):
    long_ago = ended_grant(staff, hours_ago=24 * 10)  # ended while the tick was down
    assert expire_grants(now=NOW) == 1
    assert expire_grants(now=NOW) == 0
    assert AuditEvent.objects.filter(action="access.grant.revoke", object_id=str(long_ago.pk)).count() == 1


def test_a_real_worker_runs_the_access_tick_and_the_grant_expires(celery_worker, staff):
    from access.tasks import tick

    grant = ended_grant(staff, owner=UserFactory(), hours_ago=0)
    grant.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    grant.save()
    tick.delay()
    assert wait_until(lambda: Grant.objects.get(pk=grant.pk).revoked_at is not None)
    assert Grant.objects.get(pk=grant.pk).revoke_reason == EXPIRY_REASON
    assert wait_until(lambda: any(staff.email in message.to for message in mail.outbox))
