"""A leaver through SCIM: a person with 12 grants on 5 systems deactivated by the directory (Entra's PATCH
active "False", or a DELETE) gets 12 revocation tasks, loses their sessions and API tokens at once, the
finding "leaver access still open" opens, and closes when every task is done; the events carry the source
scim. A DELETE never deletes the person: the audit trail and the evidence name them."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access.choices import FindingKind, TaskStatus
from access.models import Finding, RevocationTask
from access.services.revocations import revocation_task_done
from dpms.models import ApiToken, AuditEvent, User
from tests.access.leavers_support import leaver_with_grants
from tests.directory.conftest import PATCH
from tests.dpms.api_support import token_for

pytestmark = pytest.mark.django_db


def _disable_like_entra(scim, scim_id):
    body = {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    response = scim("PATCH", f"Users/{scim_id}", body)
    assert response.status_code == 200, response.content


def _delete(scim, scim_id):
    assert scim("DELETE", f"Users/{scim_id}").status_code == 204


@pytest.mark.parametrize("leave", [_disable_like_entra, _delete], ids=["patch-active", "delete"])
def test_a_scim_leaver_loses_sessions_and_tokens_and_gets_twelve_revocation_tasks(
    leave, scim, staff, password, security_officer
):
    resource = scim.create_user(staff.email)  # the directory takes over Sam's existing account
    leaver_with_grants(staff)
    browser = Client()
    browser.post(reverse("account_login"), {"login": staff.email, "password": password})
    assert browser.get(reverse("dashboard")).status_code == 200
    token, _ = token_for(staff)

    leave(scim, resource["id"])

    staff.refresh_from_db()
    assert not staff.is_active
    assert User.objects.filter(pk=staff.pk).exists()
    assert browser.get(reverse("dashboard")).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).exists()
    tasks = list(RevocationTask.objects.filter(grant__user=staff).select_related("system"))
    assert len(tasks) == 12
    assert len({task.system_id for task in tasks}) == 5
    assert {task.status for task in tasks} == {TaskStatus.OPEN}
    finding = Finding.objects.get(kind=FindingKind.LEAVER_ACCESS_OPEN, person=staff)
    assert finding.resolved_at is None
    for action in ("people.user.deactivate", "access.leaver.process"):
        assert AuditEvent.objects.get(action=action, object_id=str(staff.pk)).source == "scim"

    for task in tasks:
        revocation_task_done(task=task, actor=task.system.owner, note="Removed.", now=timezone.now())

    finding.refresh_from_db()
    assert finding.resolved_at is not None


def test_a_deleted_person_is_gone_from_scim_and_comes_back_as_a_new_resource(scim, staff):
    first = scim.create_user(staff.email)
    _delete(scim, first["id"])
    assert scim("GET", f"Users/{first['id']}").status_code == 404

    again = scim.create_user(staff.email, active=True)

    assert again["id"] != first["id"]
    staff.refresh_from_db()
    assert staff.is_active
    assert AuditEvent.objects.filter(action="people.user.reactivate", source="scim").count() == 1
