"""Follow-up actions through the API: read by those who see the incident's internal side, added by its
responders, moved along by their owner or a responder, with the services' rules and refusals."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import ActionStatus, Status
from incidents.models import FollowUpAction
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import FollowUpActionFactory

pytestmark = pytest.mark.django_db


def client(user):
    return api_client(token_for(user, read_only=False)[1])


@pytest.fixture
def incident(staff, manager):
    return incident_at(Status.RESOLVED, reporter=staff, handler=manager)


def test_a_responder_adds_one_and_the_owner_moves_it_along(
    incident, manager, security_officer, second_report
):
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    url = reverse("api:incident-followups", args=[incident.pk])
    body = {"title": "Rotate the keys", "owner": security_officer.email, "due_on": due}
    response = client(manager).post(url, body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["owner"]["email"], created["status"]) == (security_officer.email, "open")
    status_url = reverse("api:incident-followup-status", args=[incident.pk, created["id"]])
    response = client(security_officer).post(status_url, {"status": "done"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert [row["title"] for row in client(manager).get(url).json()] == ["Rotate the keys"]


def test_the_services_rules_are_field_errors(incident, manager):
    url = reverse("api:incident-followups", args=[incident.pk])
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client(manager).post(
        url, {"title": "x", "owner": manager.email, "due_on": past}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"due_on": ["The due date cannot be in the past."]}
    assert not FollowUpAction.objects.exists()


def test_who_may_not(incident, staff, auditor, outsider, second_report):
    action = FollowUpActionFactory(incident=incident, owner=incident.handler)
    url = reverse("api:incident-followups", args=[incident.pk])
    status_url = reverse("api:incident-followup-status", args=[incident.pk, action.pk])
    assert client(staff).get(url).status_code == 403  # the reporter does not read the internal side
    assert client(auditor).get(url).status_code == 200
    assert client(outsider).get(url).status_code == 404
    assert client(staff).post(status_url, {"status": "done"}, format="json").status_code == 403
    assert client(auditor).post(status_url, {"status": "done"}, format="json").status_code == 403
    assert client(outsider).post(status_url, {"status": "done"}, format="json").status_code == 404
    other = incident_at(Status.RESOLVED, reporter=staff, handler=incident.handler)
    wrong_incident = reverse("api:incident-followup-status", args=[other.pk, action.pk])
    assert client(incident.handler).post(wrong_incident, {"status": "done"}, format="json").status_code == 404
    assert FollowUpAction.objects.get(pk=action.pk).status == ActionStatus.OPEN
