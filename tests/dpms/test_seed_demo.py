"""seed_demo: a believable organisation, one demo password kept outside the repository, safe to run twice.

The demo is seeded once for this module (``demo`` in tests/conftest.py); each test sees it as seeded."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from dpms.models import AuditEvent, Notification, PortalRole, Team, User

pytestmark = pytest.mark.django_db

SECURITY_OFFICER = "lena.hoffmann@northwind.example"
STAFF = "matteo.bianchi@northwind.example"


def test_builds_sixty_people_in_six_teams(demo):
    assert User.objects.people().count() == 60
    assert Team.objects.count() == 6
    assert not Team.objects.filter(members__isnull=True).exists()


def test_everyone_but_the_managing_director_has_a_manager(demo):
    (top,) = User.objects.people().filter(manager__isnull=True)
    assert top.job_title == "Managing Director"
    heads = User.objects.filter(job_title__startswith="Head of")
    assert heads.count() == 6
    assert all(head.manager == top for head in heads)
    for head in heads:
        assert head.reports.filter(team=head.team).exists(), head


def test_exactly_one_holder_of_each_portal_role(demo):
    for role in PortalRole:
        assert Group.objects.get(name=role.value).user_set.count() == 1, role


def test_prints_logins_with_the_password_and_the_url(demo):
    output = demo.output
    assert demo.password in output
    assert "http://demo.test:8000/accounts/login/" in output
    for label in ("Security officer", "Auditor", "Admin", "Manager", "Staff"):
        assert label in output
    assert SECURITY_OFFICER in output
    assert STAFF in output


def test_a_demo_user_signs_in_with_the_printed_password(demo, client):
    response = client.post(reverse("account_login"), {"login": STAFF, "password": demo.password})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert User.objects.get(email=STAFF).password.startswith("bcrypt_sha256$")


def test_the_demo_password_meets_the_policy_and_stays_out_of_the_repository(demo):
    from django.contrib.auth.password_validation import validate_password

    path = demo.data_dir / "demo-password.txt"
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    validate_password(demo.password, User.objects.get(email=STAFF))


def test_second_run_creates_and_changes_nothing(demo):
    password = demo.password
    counts = (
        User.objects.count(),
        Team.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )
    staff_row = User.objects.values().get(email=STAFF)

    output = demo.seed()

    assert (
        User.objects.count(),
        Team.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    ) == counts
    assert User.objects.values().get(email=STAFF) == staff_row
    assert "nothing changed" in output
    assert password in output


def test_creation_is_in_the_audit_trail_from_the_command_line(demo):
    created = AuditEvent.objects.filter(action="people.user.create")
    assert created.count() == 60
    assert set(created.values_list("source", flat=True)) == {"cli"}
    assert AuditEvent.objects.filter(action="people.team.create").count() == 6


def test_demo_people_find_a_welcome_notification(demo):
    officer = User.objects.get(email=SECURITY_OFFICER)
    subjects = set(Notification.objects.filter(recipient=officer).values_list("subject", flat=True))
    assert "Welcome to DPMS" in subjects
    assert "The audit trail is ready for you" in subjects
    assert Notification.objects.filter(subject="Welcome to DPMS").count() == 60


def test_a_lost_password_file_is_reported_and_can_be_reapplied(demo, client):
    (demo.data_dir / "demo-password.txt").unlink()

    warned = demo.seed()
    new_password = demo.password
    assert "--reset-password" in warned
    assert not User.objects.get(email=STAFF).check_password(new_password)

    demo.seed("--reset-password")
    response = client.post(reverse("account_login"), {"login": STAFF, "password": new_password})
    assert response.status_code == 302
