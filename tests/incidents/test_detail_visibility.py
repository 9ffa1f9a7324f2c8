"""The visibility ladder of the incident page: who gets the page, who gets a 404, and auditors' 403s."""

import pytest
from django.urls import reverse

from incidents.choices import EventKind, Status
from incidents.services.sharing import incident_share
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import IncidentEventFactory

pytestmark = pytest.mark.django_db

# Every POST action of the page: (url name, extra url kwargs).
ACTIONS = [
    "triage", "dismiss", "acknowledge", "transition", "close", "review", "severity", "handler", "category",
    "comment", "links", "confidential", "share", "unshare", "followup_add",
]  # fmt: skip


@pytest.fixture
def incident(staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    IncidentEventFactory(
        incident=incident, actor=security_officer, internal=True, text="Internal: check the CEO"
    )
    IncidentEventFactory(
        incident=incident, actor=security_officer, internal=False, kind=EventKind.COMMENT, text="We are on it"
    )
    return incident


def url(incident, name="detail"):
    return reverse(f"incidents:{name}", args=[incident.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, incident):
    response = client.get(url(incident))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "/accounts/" in response["Location"]


def test_the_reporter_sees_the_page_without_internal_lines(client_for, staff, incident):
    response = client_for(staff).get(url(incident))
    assert response.status_code == 200
    page = response.content.decode()
    assert "We are on it" in page
    assert "check the CEO" not in page
    assert "Internal" not in page
    assert 'data-testid="incident-actions"' not in page  # no workflow buttons for the reporter
    assert "Add information" in page


def test_another_staff_member_gets_a_404(client_for, outsider, incident):
    assert client_for(outsider).get(url(incident)).status_code == 404


def test_the_handler_sees_internal_lines_and_the_actions(client_for, staff, manager):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=manager)
    IncidentEventFactory(incident=incident, internal=True, text="Internal: check the CEO")
    page = client_for(manager).get(url(incident)).content.decode()
    assert "check the CEO" in page
    assert 'data-testid="next-status"' in page
    assert 'data-testid="triage-form"' not in page  # triage is for security officers


def test_a_security_officer_sees_everything_and_may_act(client_for, security_officer, incident):
    response = client_for(security_officer).get(url(incident))
    assert response.status_code == 200
    page = response.content.decode()
    assert "check the CEO" in page
    assert '<span class="tag internal">Internal</span>' in page
    assert 'data-testid="incident-actions"' in page


def test_an_auditor_reads_the_page_and_every_action_is_forbidden(client_for, auditor, incident):
    client = client_for(auditor)
    page = client.get(url(incident)).content.decode()
    assert "check the CEO" in page
    assert 'data-testid="incident-actions"' not in page
    assert 'data-testid="comment"' not in page
    for name in ACTIONS:
        assert client.post(url(incident, name), {}).status_code == 403, name
    action = incident.followups.create(title="Patch", owner=auditor, due_on="2030-01-01")
    status_url = reverse("incidents:followup_status", args=[incident.pk, action.pk])
    assert client.post(status_url, {"status": "done"}).status_code == 403


def test_a_confidential_incident_is_hidden_from_an_officer_not_added_to_it(
    client_for, staff, security_officer
):
    handler = UserFactory(full_name="Hank Handler", roles=["security officer"])
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=handler, confidential=True)
    assert client_for(security_officer).get(url(incident)).status_code == 404
    incident_share(actor=handler, incident=incident, user=security_officer)
    assert client_for(security_officer).get(url(incident)).status_code == 200
    assert client_for(staff).get(url(incident)).status_code == 200  # the reporter still sees it


def test_people_who_may_not_see_it_get_404_on_actions_too(client_for, outsider, incident):
    client = client_for(outsider)
    for name in ACTIONS:
        assert client.post(url(incident, name), {}).status_code == 404, name


def test_actions_only_accept_post(client_for, security_officer, incident):
    assert client_for(security_officer).get(url(incident, "triage")).status_code == 405
