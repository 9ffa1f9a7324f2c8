"""People and teams through the API: admins invite, change, give roles, deactivate and reactivate people
and add and rename teams, through the administration's services (audited as the API, naming the token);
everyone else reads the directory and is refused every write."""

import pytest
from django.core import mail
from django.urls import reverse

from dpms.models import AuditEvent, AuditSource, OutboxEmail, PortalRole, Team, User
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db

PEOPLE = reverse("api:person-list")
TEAMS = reverse("api:team-list")


@pytest.fixture
def admin_api(admin_user):
    return api_client(token_for(admin_user, read_only=False, name="hr sync")[1])


def test_an_admin_invites_a_person_who_gets_an_invitation(admin_api, team, manager):
    body = {
        "email": "New.Person@Example.com",
        "full_name": "New Person",
        "team": team.pk,
        "manager": manager.pk,
        "roles": [PortalRole.AUDITOR],
    }
    response = admin_api.post(PEOPLE, body, format="json")
    assert response.status_code == 201
    person = User.objects.get(email="new.person@example.com")
    assert response.json()["id"] == person.pk
    assert response.json()["roles"] == ["Auditor"]
    assert (person.team, person.manager, person.has_usable_password()) == (team, manager, False)
    assert OutboxEmail.objects.filter(to=person.email, subject="You are invited to DPMS").exists()
    event = AuditEvent.objects.get(action="people.user.invite")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith("hr sync")
    assert "via API token" in event.actor_label


def test_an_email_someone_has_is_a_400(admin_api, staff):
    response = admin_api.post(PEOPLE, {"email": staff.email.upper(), "full_name": "Twin"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_an_admin_changes_details_and_the_model_rules_hold(admin_api, staff, manager, outsider):
    url = reverse("api:person-detail", args=[staff.pk])
    response = admin_api.patch(url, {"job_title": "Analyst", "manager": outsider.pk}, format="json")
    assert response.status_code == 200
    staff.refresh_from_db()
    assert (staff.job_title, staff.manager) == ("Analyst", outsider)
    bad = admin_api.patch(url, {"time_zone": "Mars/Olympus"}, format="json")
    assert bad.status_code == 400
    assert "time_zone" in bad.json()["errors"]
    cycle = admin_api.patch(
        reverse("api:person-detail", args=[outsider.pk]), {"manager": staff.pk}, format="json"
    )
    assert cycle.status_code == 400  # a manager line that goes round in a circle


def test_roles_are_set_and_an_admin_keeps_their_own(admin_api, admin_user, staff):
    response = admin_api.post(
        reverse("api:person-roles", args=[staff.pk]), {"roles": [PortalRole.SECURITY_OFFICER]}, format="json"
    )
    assert response.status_code == 200
    assert User.objects.get(pk=staff.pk).is_security_officer
    mine = admin_api.post(reverse("api:person-roles", args=[admin_user.pk]), {"roles": []}, format="json")
    assert mine.status_code == 403
    assert User.objects.get(pk=admin_user.pk).is_admin


def test_deactivating_stops_the_persons_tokens_and_reactivating_lets_them_in(admin_api, staff):
    _token, text = token_for(staff)
    assert api_client(text).get(PEOPLE).status_code == 200
    assert admin_api.post(reverse("api:person-deactivate", args=[staff.pk])).json()["is_active"] is False
    assert api_client(text).get(PEOPLE).status_code == 401
    assert admin_api.post(reverse("api:person-reactivate", args=[staff.pk])).json()["is_active"] is True


def test_admins_add_and_rename_teams_with_unique_names(admin_api, team):
    created = admin_api.post(TEAMS, {"name": "Blue Team"}, format="json")
    assert created.status_code == 201
    assert admin_api.post(TEAMS, {"name": "blue  team"}, format="json").status_code == 400
    url = reverse("api:team-detail", args=[created.json()["id"]])
    assert admin_api.patch(url, {"name": "Red Team"}, format="json").json()["name"] == "Red Team"
    assert admin_api.patch(url, {"name": team.name}, format="json").status_code == 400
    assert set(
        AuditEvent.objects.filter(action__startswith="people.team.").values_list("action", flat=True)
    ) == {
        "people.team.create",
        "people.team.update",
    }


@pytest.mark.parametrize("persona", ["staff", "manager", "security_officer", "auditor", "outsider"])
def test_everyone_but_admins_reads_and_is_refused_every_write(personas, persona, staff, team):
    client = api_client(token_for(personas[persona], read_only=False)[1])
    assert client.get(PEOPLE).status_code == 200
    person = reverse("api:person-detail", args=[staff.pk])
    writes = [
        client.post(PEOPLE, {"email": "x@example.com", "full_name": "X"}, format="json"),
        client.patch(person, {"job_title": "Boss"}, format="json"),
        client.post(
            reverse("api:person-roles", args=[staff.pk]), {"roles": [PortalRole.ADMIN]}, format="json"
        ),
        client.post(reverse("api:person-deactivate", args=[staff.pk])),
        client.post(TEAMS, {"name": "Mine"}, format="json"),
        client.patch(reverse("api:team-detail", args=[team.pk]), {"name": "Mine"}, format="json"),
    ]
    assert [answer.status_code for answer in writes] == [403] * len(writes)
    staff.refresh_from_db()
    assert (staff.is_active, staff.job_title, staff.is_admin) == (True, "", False)
    assert not Team.objects.filter(name="Mine").exists()
    assert not mail.outbox
