"""The people admin: only admins get in, every change to a person goes through the services and is audited."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dpms.models import AuditEvent, OutboxEmail, PortalRole, User
from tests.factories import NotificationFactory, OutboxEmailFactory, UserFactory, audit_event

pytestmark = pytest.mark.django_db

CHANGELISTS = ["dpms_user", "dpms_team", "dpms_auditevent", "dpms_notification", "dpms_outboxemail"]
STRONG = "lantern-orchid-summit-497"


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


def person_form(user, **overrides):
    """The change form as the browser posts it, with the person's current values."""
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


@pytest.mark.parametrize("model", CHANGELISTS)
def test_admin_sees_each_changelist(admin_client, staff, model):
    audit_event(actor=staff)
    NotificationFactory(recipient=staff)
    OutboxEmailFactory()
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", CHANGELISTS)
def test_security_officer_is_refused(client_for, security_officer, model):
    response = client_for(security_officer).get(reverse(f"admin:{model}_changelist"), follow=True)
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("admin:dpms_user_changelist"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_adding_a_person_sends_an_invitation_instead_of_setting_a_password(
    admin_client, admin_user, manager, team
):
    auditor_role = Group.objects.get(name=PortalRole.AUDITOR)
    response = admin_client.post(
        reverse("admin:dpms_user_add"),
        {
            "email": "Nora.New@example.com",
            "full_name": "Nora New",
            "job_title": "Analyst",
            "team": team.pk,
            "manager": manager.pk,
            "roles": [auditor_role.pk],
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="nora.new@example.com")
    assert not user.has_usable_password()
    assert (user.manager, user.team, user.is_auditor) == (manager, team, True)
    assert OutboxEmail.objects.filter(to=user.email, subject__icontains="invited").exists()
    event = AuditEvent.objects.get(action="people.user.invite", object_id=str(user.pk))
    assert event.actor == admin_user


def test_adding_a_person_with_a_taken_email_shows_an_error(admin_client, staff):
    response = admin_client.post(
        reverse("admin:dpms_user_add"),
        {
            "email": staff.email.upper(),
            "full_name": "Sam Again",
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert b"already" in response.content
    assert User.objects.filter(email__iexact=staff.email).count() == 1


def test_changing_details_and_roles_is_audited(admin_client, admin_user, staff, outsider):
    security_role = Group.objects.get(name=PortalRole.SECURITY_OFFICER)
    url = reverse("admin:dpms_user_change", args=[staff.pk])
    response = admin_client.post(
        url, person_form(staff, job_title="Controller", team=outsider.team_id, groups=[security_role.pk])
    )

    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.job_title == "Controller"
    assert staff.is_security_officer
    update = AuditEvent.objects.get(action="people.user.update", object_id=str(staff.pk))
    assert update.actor == admin_user
    assert update.changes["job_title"] == ["", "Controller"]
    roles = AuditEvent.objects.get(action="people.user.roles", object_id=str(staff.pk))
    assert roles.changes["roles"] == [[], ["security officer"]]


def test_an_admin_cannot_deactivate_themselves_or_drop_their_admin_role(admin_client, admin_user):
    url = reverse("admin:dpms_user_change", args=[admin_user.pk])
    response = admin_client.post(url, person_form(admin_user, is_active="", groups=[]))
    assert response.status_code == 200
    assert b"cannot deactivate yourself" in response.content
    assert b"cannot remove your own admin role" in response.content
    stored = User.objects.get(pk=admin_user.pk)
    assert stored.is_active
    assert stored.is_admin


def sign_in_elsewhere(user, password):
    """The person's own browser: a second client that signs in through the real sign-in form."""
    browser = Client()
    response = browser.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302
    assert browser.get(reverse("dashboard")).status_code == 200
    return browser


def test_deactivate_action_ends_the_persons_sessions(admin_client, admin_user, staff, password):
    browser = sign_in_elsewhere(staff, password)
    session_key = browser.session.session_key

    response = admin_client.post(
        reverse("admin:dpms_user_changelist"),
        {
            "action": "deactivate_people",
            "_selected_action": [staff.pk],
            "index": 0,
        },
    )

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    after = browser.get(reverse("dashboard"))
    assert after.status_code == 302
    assert reverse("account_login") in after["Location"]
    event = AuditEvent.objects.get(action="people.user.deactivate", object_id=str(staff.pk))
    assert event.actor == admin_user
    assert event.changes["sessions_ended"] >= 1


def test_unticking_active_in_the_form_deactivates_through_the_service(admin_client, staff, password):
    browser = sign_in_elsewhere(staff, password)
    admin_client.post(reverse("admin:dpms_user_change", args=[staff.pk]), person_form(staff, is_active=""))
    staff.refresh_from_db()
    assert not staff.is_active
    assert staff.deactivated_at is not None
    assert browser.get(reverse("dashboard")).status_code == 302
    assert AuditEvent.objects.filter(action="people.user.deactivate", object_id=str(staff.pk)).exists()


def test_resend_invitation_writes_a_new_invitation_email(admin_client):
    invitee = UserFactory(email="nora@example.com", password=None)
    admin_client.post(
        reverse("admin:dpms_user_changelist"),
        {
            "action": "resend_invitation",
            "_selected_action": [invitee.pk],
            "index": 0,
        },
    )
    assert OutboxEmail.objects.filter(to="nora@example.com", subject__icontains="invited").count() == 1
    assert AuditEvent.objects.filter(action="people.user.send_invitation", object_id=str(invitee.pk)).exists()


def password_url(user):
    return reverse("admin:auth_user_password_change", args=[user.pk])


def test_a_weak_password_is_refused_in_the_admin_password_form(admin_client, staff, password):
    response = admin_client.post(
        password_url(staff),
        {
            "password1": "password1234",
            "password2": "password1234",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert b"too common" in response.content
    staff.refresh_from_db()
    assert staff.check_password(password)
    assert not AuditEvent.objects.filter(action="people.user.password_set").exists()


def test_a_strong_password_set_in_the_admin_is_audited(admin_client, admin_user, staff):
    response = admin_client.post(
        password_url(staff),
        {
            "password1": STRONG,
            "password2": STRONG,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(STRONG)
    assert (
        AuditEvent.objects.get(action="people.user.password_set", object_id=str(staff.pk)).actor == admin_user
    )


def test_people_cannot_be_deleted_in_the_admin(admin_client, staff):
    response = admin_client.post(reverse("admin:dpms_user_delete", args=[staff.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()


def test_audit_events_cannot_be_added_changed_or_deleted(admin_client, staff):
    event = audit_event(actor=staff, action="test.untouchable")
    change_url = reverse("admin:dpms_auditevent_change", args=[event.pk])

    assert admin_client.get(change_url).status_code == 200  # to read
    assert admin_client.post(change_url, {"action": "test.rewritten"}).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:dpms_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:dpms_auditevent_add")).status_code == 403
    changelist = admin_client.get(reverse("admin:dpms_auditevent_changelist"))
    assert b"delete_selected" not in changelist.content
    event.refresh_from_db()
    assert event.action == "test.untouchable"


def test_outbox_hides_message_bodies(admin_client):
    message = OutboxEmailFactory(body="Set your password: http://x/invitation/secret-token/")
    response = admin_client.get(reverse("admin:dpms_outboxemail_change", args=[message.pk]))
    assert response.status_code == 200
    assert b"secret-token" not in response.content


def test_team_list_shows_active_member_counts(admin_client, staff, second_report, manager, team):
    UserFactory(team=team, is_active=False, password=None)
    response = admin_client.get(reverse("admin:dpms_team_changelist"))
    assert response.context["cl"].result_list.get(pk=team.pk).active_members == 3


def changelist_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:dpms_user_changelist")).status_code == 200
    return len(queries)


def test_people_list_costs_the_same_queries_for_more_people(admin_client, team, manager):
    """Team, manager and role flags come with the people in one query (select_related and annotations)."""
    auditor = Group.objects.get(name=PortalRole.AUDITOR)
    UserFactory.create_batch(2, team=team, manager=manager, password=None)
    changelist_queries(admin_client)  # the session's first request records it once; not part of the list
    few = changelist_queries(admin_client)
    for person in UserFactory.create_batch(20, team=team, manager=manager, password=None):
        person.groups.add(auditor)
    assert changelist_queries(admin_client) == few


def test_changing_a_persons_email_retires_the_old_login(client, staff, admin_user):
    """After an admin changes someone's email, only the new address signs in."""
    from allauth.account.models import EmailAddress
    from django.test import Client

    from dpms import services
    from tests.factories import TEST_PASSWORD

    EmailAddress.objects.create(user=staff, email=staff.email, primary=True, verified=True)
    old = staff.email
    services.user_update(actor=admin_user, user=staff, email="sam.new@example.com")

    old_login = Client().post(reverse("account_login"), {"login": old, "password": TEST_PASSWORD})
    assert old_login.status_code == 200  # the form again, with an error: not signed in
    new_login = Client().post(
        reverse("account_login"), {"login": "sam.new@example.com", "password": TEST_PASSWORD}
    )
    assert new_login.status_code == 302
    assert list(EmailAddress.objects.filter(user=staff).values_list("email", flat=True)) == [
        "sam.new@example.com"
    ]
