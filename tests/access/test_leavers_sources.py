"""A leaver is the same whichever way they leave: deactivated in the Django admin (the change form or the
list's action) or through the API, a person with 12 grants on 5 systems gets 12 revocation tasks due in 1
working day (privileged) or 5 (the others), loses their sessions and API tokens at once, each system owner and
each security officer is told once, the finding "leaver access still open" opens, and every event is
audited with the source it came from."""

import pytest
from django.test import Client
from django.urls import reverse

from access.choices import FindingKind, TaskStatus
from access.models import Finding, RevocationTask
from access.services.leavers import add_working_days
from dpms.models import ApiToken, AuditEvent, Notification
from tests.access.leavers_support import leaver_with_grants
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db


def person_form(user, **overrides):
    """The admin's change form as the browser posts it, with the person's current values."""
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "job_title": user.job_title,
        "team": user.team_id or "",
        "manager": user.manager_id or "",
        "time_zone": user.time_zone,
        "is_active": "on" if user.is_active else "",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "_save": "Save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def deactivate_in_the_admin_form(admin_user, person, client_for):
    response = client_for(admin_user).post(
        reverse("admin:dpms_user_change", args=[person.pk]), person_form(person, is_active="")
    )
    assert response.status_code == 302


def deactivate_with_the_admin_action(admin_user, person, client_for):
    response = client_for(admin_user).post(
        reverse("admin:dpms_user_changelist"),
        {"action": "deactivate_people", "_selected_action": [person.pk], "index": 0},
    )
    assert response.status_code == 302


def deactivate_through_the_api(admin_user, person, client_for):
    text = token_for(admin_user, read_only=False, name="hr sync")[1]
    response = api_client(text).post(reverse("api:person-deactivate", args=[person.pk]))
    assert response.status_code == 200


SOURCES = [
    pytest.param(deactivate_in_the_admin_form, "web", id="admin-form"),
    pytest.param(deactivate_with_the_admin_action, "web", id="admin-action"),
    pytest.param(deactivate_through_the_api, "api", id="api"),
]


@pytest.mark.parametrize(("deactivate", "source"), SOURCES)
def test_a_leaver_from_any_source_gets_the_same_leaver_steps(
    deactivate, source, admin_user, staff, security_officer, password, client_for
):
    leaver = leaver_with_grants(staff)
    browser = Client()
    browser.post(reverse("account_login"), {"login": staff.email, "password": password})
    assert browser.get(reverse("dashboard")).status_code == 200
    token, _text = token_for(staff)

    deactivate(admin_user, staff, client_for)

    staff.refresh_from_db()
    assert not staff.is_active
    # Sessions and tokens end at once.
    assert browser.get(reverse("dashboard")).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).exists()
    # One open leaver task per grant, due by the role's class in working days.
    tasks = RevocationTask.objects.filter(grant__user=staff).select_related("grant__role", "system")
    assert tasks.count() == 12
    assert {task.status for task in tasks} == {TaskStatus.OPEN}
    assert all(task.leaver and task.assignee == task.system.owner for task in tasks)
    for task in tasks:
        days = 1 if task.grant.role.privileged else 5
        assert task.due_at == add_working_days(staff.deactivated_at, days)
        assert task.due_at.weekday() < 5
    assert sum(1 for task in tasks if task.grant.role.privileged) == 3
    # Each owner and each officer is told once.
    for system in leaver.systems.values():
        notes = Notification.objects.filter(recipient=system.owner)
        assert notes.count() == 1
        assert staff.full_name in notes.get().subject
    officer_notes = Notification.objects.filter(recipient=security_officer)
    assert officer_notes.count() == 1
    assert "12 grants on 5 systems" in officer_notes.get().body
    # The finding is open.
    assert Finding.objects.filter(
        kind=FindingKind.LEAVER_ACCESS_OPEN, person=staff, resolved_at__isnull=True
    ).exists()
    # Audited with the source.
    for action in ("people.user.deactivate", "access.leaver.process"):
        event = AuditEvent.objects.get(action=action, object_id=str(staff.pk))
        assert (event.source, event.actor_id) == (source, admin_user.pk)
    assert AuditEvent.objects.get(action="access.finding.open").source == source
