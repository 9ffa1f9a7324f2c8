"""Confidentiality, shares and links through the API: the incident page's forms and the sharing services,
for security officers handling the incident (shares) and its responders (links)."""

import pytest
from django.urls import reverse

from incidents.choices import Status
from tests.access.factories import SystemFactory
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


def client(user):
    return api_client(token_for(user, read_only=False)[1])


def url(name, incident):
    return reverse(f"api:incident-{name}", args=[incident.pk])


@pytest.fixture
def incident(staff, security_officer):
    return incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)


def test_confidential_then_shared_with_one_more_person(incident, security_officer, outsider):
    api = client(security_officer)
    response = api.post(
        url("confidential", incident), {"confidential": "yes", "reason": "CEO involved"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["confidential"] is True
    assert client(outsider).get(url("detail", incident)).status_code == 404
    response = api.post(url("share", incident), {"user": outsider.email}, format="json")
    assert response.status_code == 200
    assert [person["email"] for person in response.json()] == [outsider.email]
    assert client(outsider).get(url("detail", incident)).status_code == 200
    assert [person["email"] for person in api.get(url("shares", incident)).json()] == [outsider.email]
    response = api.post(url("unshare", incident), {"user": outsider.pk}, format="json")
    assert response.json() == []
    assert client(outsider).get(url("detail", incident)).status_code == 404


def test_confidentiality_needs_a_reason_and_shares_an_active_person(incident, security_officer):
    api = client(security_officer)
    response = api.post(url("confidential", incident), {"confidential": "yes"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    response = api.post(url("share", incident), {"user": "ghost@example.com"}, format="json")
    assert response.json()["errors"] == {"user": ["No active person has this email address."]}
    response = api.post(url("unshare", incident), {"user": 10**20}, format="json")
    assert response.status_code == 400
    assert "user" in response.json()["errors"]


def test_links_by_name_and_only_for_responders(incident, security_officer, staff, auditor):
    SystemFactory(name="CRM")
    response = client(security_officer).post(url("links", incident), {"add_systems": "CRM"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["systems"] == ["CRM"]
    response = client(security_officer).post(url("links", incident), {"add_systems": "Nope"}, format="json")
    assert response.status_code == 400
    assert "add_systems" in response.json()["errors"]
    # Keeping none of them removes the link.
    response = client(security_officer).post(url("links", incident), {"keep_systems": []}, format="json")
    assert response.json()["systems"] == []
    assert (
        client(staff).post(url("links", incident), {"add_systems": "CRM"}, format="json").status_code == 403
    )
    assert (
        client(auditor).post(url("links", incident), {"add_systems": "CRM"}, format="json").status_code == 403
    )
    assert client(staff).get(url("shares", incident)).status_code == 403
