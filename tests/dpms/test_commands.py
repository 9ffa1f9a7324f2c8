"""invite_user and createsuperuser: people created on the command line under the admin's rules."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dpms.models import AuditEvent, OutboxEmail, User
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

STRONG = "lantern-orchid-summit-497"


def invite(*args):
    out = StringIO()
    call_command("invite_user", *args, stdout=out)
    return out.getvalue()


# --- invite_user ----------------------------------------------------------------------------------------


def test_invite_creates_a_person_without_a_password_and_prints_a_working_link(client, settings):
    settings.SITE_URL = "http://portal.test"
    output = invite("New.Person@Example.com", "Nora New")

    user = User.objects.get(email="new.person@example.com")
    assert user.full_name == "Nora New"
    assert not user.has_usable_password()
    link = re.search(r"http://portal\.test(/invitation/\S+)", output).group(1)
    response = client.get(link)
    assert response.status_code == 200
    assert b"Nora" in response.content


def test_invite_emails_the_link_and_is_audited_as_cli(db):
    invite("nora@example.com", "Nora New")
    assert OutboxEmail.objects.filter(to="nora@example.com", subject__icontains="invited").exists()
    event = AuditEvent.objects.get(action="people.user.invite")
    assert event.source == "cli"
    assert event.actor is None


def test_invite_sets_manager_team_and_roles(manager, team):
    invite(
        "nora@example.com",
        "Nora New",
        "--manager",
        manager.email.upper(),
        "--team",
        team.name.lower(),
        "--role",
        "auditor",
        "--job-title",
        "Analyst",
    )
    user = User.objects.get(email="nora@example.com")
    assert (user.manager, user.team, user.job_title) == (manager, team, "Analyst")
    assert user.is_auditor


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "Nora New"], "not a valid email"),
        (["nora@example.com", "  "], "full name"),
        (["nora@example.com", "Nora New", "--manager", "nobody@example.com"], "No active person"),
        (["nora@example.com", "Nora New", "--team", "Astronauts"], "No team named"),
        (["nora@example.com", "Nora New", "--role", "superhero"], "Unknown role"),
    ],
)
def test_invite_refuses_bad_input_clearly(team, args, message):
    with pytest.raises(CommandError, match=message):
        invite(*args)
    assert not User.objects.filter(email="nora@example.com").exists()


def test_invite_refuses_an_email_that_has_an_account(staff):
    with pytest.raises(CommandError, match="has an account already"):
        invite(staff.email.upper(), "Sam Again")
    assert User.objects.filter(email__iexact=staff.email).count() == 1


# --- createsuperuser ------------------------------------------------------------------------------------


def create_superuser(monkeypatch, password, **options):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    out = StringIO()
    call_command(
        "createsuperuser",
        interactive=False,
        email="root@example.com",
        full_name="Rosa Root",
        stdout=out,
        **options,
    )
    return out.getvalue()


@pytest.mark.parametrize("weak", ["short1!", "password1234", "rosa.root@example.com", "12345678901234"])
def test_createsuperuser_refuses_a_weak_password_from_the_environment(db, monkeypatch, weak):
    with pytest.raises(CommandError, match="refused"):
        create_superuser(monkeypatch, weak)
    assert not User.objects.filter(email="root@example.com").exists()


def test_createsuperuser_with_a_strong_password_makes_an_audited_admin(db, monkeypatch):
    create_superuser(monkeypatch, STRONG)
    user = User.objects.get(email="root@example.com")
    assert user.is_admin
    assert user.password.startswith("bcrypt_sha256$")
    assert user.check_password(STRONG)
    assert AuditEvent.objects.filter(
        action="people.user.create_superuser", object_id=str(user.pk), source="cli"
    ).exists()


def test_createsuperuser_interactive_keeps_asking_until_the_password_meets_the_policy(db, monkeypatch):
    from dpms.management.commands import createsuperuser

    class Terminal(StringIO):
        def isatty(self):
            return True

    answers = iter(["password1234", "password1234", STRONG, STRONG])
    monkeypatch.setattr(createsuperuser.getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("builtins.input", lambda prompt="": pytest.fail(f"unexpected question: {prompt}"))
    err = StringIO()
    call_command(
        "createsuperuser",
        email="root@example.com",
        full_name="Rosa Root",
        stdin=Terminal(),
        stdout=StringIO(),
        stderr=err,
    )

    assert "too common" in err.getvalue()
    assert User.objects.get(email="root@example.com").check_password(STRONG)


def test_changepassword_refuses_weak_password_and_audits_a_strong_one(staff, monkeypatch):
    answers = iter(["password123", "password123"] * 3)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError):
        call_command("changepassword", staff.email)
    staff.refresh_from_db()
    assert staff.check_password(TEST_PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_set", object_id=str(staff.pk)).exists()

    strong = "a long and unusual passphrase 7"
    answers = iter([strong, strong])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("changepassword", staff.email)
    staff.refresh_from_db()
    assert staff.check_password(strong)
    event = AuditEvent.objects.get(action="auth.password_set", object_id=str(staff.pk))
    assert event.source == "cli"
