"""The people services every source calls (admin, invite_user, API, SCIM, SSO): a joiner is welcomed and
told to the apps, a mover is its own audit event, a leaver's sessions and API tokens end at once, a manager
line never loops, and each event carries the source it came from."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from dpms import context, portal, services
from dpms.models import ApiToken, AuditEvent, Notification, OutboxEmail, Team
from tests.dpms.api_support import token_for
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """An app listening to joiners and leavers, as a domain app registers itself."""
    events = []
    monkeypatch.setitem(
        portal._apps,
        "listening",
        portal.App(
            name="listening",
            joiner_listeners=[lambda *, user, actor: events.append(("joined", user.email, actor))],
            leaver_listeners=[lambda *, user, actor: events.append(("left", user.email, actor))],
        ),
    )
    return events


def test_a_joiner_is_welcomed_and_invited(admin_user, heard):
    user = services.user_invite(actor=admin_user, email="new@example.com", full_name="New Person")
    assert Notification.objects.filter(recipient=user, subject="Welcome to DPMS").count() == 1
    assert OutboxEmail.objects.filter(to="new@example.com", subject__contains="invited").count() == 1
    assert heard == [("joined", "new@example.com", admin_user)]


def test_a_joiner_who_signs_in_through_sso_gets_no_password_invitation(heard):
    with context.origin("sso"):
        user = services.user_invite(actor=None, email="sso@example.com", full_name="Sso Person", invite=False)
    assert not OutboxEmail.objects.filter(to="sso@example.com").exists()
    assert Notification.objects.filter(recipient=user, subject="Welcome to DPMS").exists()
    event = AuditEvent.objects.get(action="people.user.invite", object_id=str(user.pk))
    assert (event.source, event.actor_id, event.changes["invitation_sent"]) == ("sso", None, False)
    assert heard == [("joined", "sso@example.com", None)]


def test_a_leaver_loses_sessions_and_api_tokens_at_once(admin_user, staff, password, heard):
    browser = Client()
    browser.post(reverse("account_login"), {"login": staff.email, "password": password})
    assert browser.get(reverse("dashboard")).status_code == 200
    token, _text = token_for(staff)
    with context.origin("scim"):
        services.user_deactivate(actor=None, user=staff)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not ApiToken.objects.filter(user=staff, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="people.user.deactivate", object_id=str(staff.pk))
    assert event.source == "scim"
    assert event.changes["sessions_ended"] == 1
    assert event.changes["api_tokens_revoked"] == 1
    assert heard == [("left", staff.email, None)]
    assert browser.get(reverse("dashboard")).status_code == 302


def test_deactivating_twice_runs_the_leaver_steps_once(admin_user, staff, heard):
    services.user_deactivate(actor=admin_user, user=staff)
    services.user_deactivate(actor=admin_user, user=staff)
    assert heard == [("left", staff.email, admin_user)]


def test_reactivation_gives_no_token_back(admin_user, staff):
    token, _text = token_for(staff)
    services.user_deactivate(actor=admin_user, user=staff)
    services.user_reactivate(actor=admin_user, user=staff)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_move_is_audited_as_a_move_and_other_changes_are_not(admin_user, staff, outsider):
    services.user_update(actor=admin_user, user=staff, job_title="Analyst")
    assert not AuditEvent.objects.filter(action="people.user.move").exists()
    services.user_update(actor=admin_user, user=staff, team=outsider.team)
    move = AuditEvent.objects.get(action="people.user.move")
    assert move.changes["team_id"] == [staff.manager.team_id, outsider.team_id]


def test_a_manager_line_that_loops_is_refused_at_any_length(admin_user):
    a = UserFactory(email="a@example.com")
    b = UserFactory(email="b@example.com", manager=a)
    c = UserFactory(email="c@example.com", manager=b)
    for boss in (b, c):
        with pytest.raises(ValidationError) as refused:
            services.user_update(actor=admin_user, user=a, manager=boss)
        assert "manager" in refused.value.message_dict
    a.refresh_from_db()
    assert a.manager_id is None
    assert len(mail.outbox) == 0


def test_an_update_that_deactivates_runs_the_leaver_steps(admin_user, staff, heard):
    token, _text = token_for(staff)
    with context.origin("scim"):
        services.user_update(actor=None, user=staff, job_title="Former", is_active=False)
    staff.refresh_from_db()
    token.refresh_from_db()
    assert (staff.is_active, staff.job_title, token.revoked_at is not None) == (False, "Former", True)
    assert heard == [("left", staff.email, None)]
    services.user_update(actor=admin_user, user=staff, is_active=True)
    staff.refresh_from_db()
    assert staff.is_active
    assert AuditEvent.objects.filter(action="people.user.reactivate", object_id=str(staff.pk)).exists()


def test_a_team_with_members_is_not_deleted_in_the_admin(client_for, admin_user, staff, team):
    """Its members would otherwise change team without a move's steps."""
    client = client_for(admin_user)
    assert client.get(reverse("admin:dpms_team_delete", args=[team.pk])).status_code == 403
    empty = TeamFactory(name="Empty")
    bulk = {"action": "delete_selected", "_selected_action": [team.pk, empty.pk], "post": "yes"}
    client.post(reverse("admin:dpms_team_changelist"), bulk)
    assert Team.objects.filter(pk__in=[team.pk, empty.pk]).count() == 2  # one with members: none deleted
    bulk["_selected_action"] = [empty.pk]
    client.post(reverse("admin:dpms_team_changelist"), bulk)
    assert list(Team.objects.filter(pk__in=[team.pk, empty.pk])) == [team]
    staff.refresh_from_db()
    assert staff.team == team
