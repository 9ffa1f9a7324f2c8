"""The queue shows each person only what they may see, whatever the filter."""

import pytest
from guardian.shortcuts import assign_perm

from incidents.choices import Status
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory
from tests.incidents.lists_support import QUEUE, listed

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents(staff, second_report):
    """Staff's own report, a colleague's report, and a confidential one handled by another officer."""
    other_officer = UserFactory(roles=["security officer"])
    return {
        "own": IncidentFactory(reference="INC-2026-0001", reported_by=staff),
        "colleague": IncidentFactory(reference="INC-2026-0002", reported_by=second_report),
        "confidential": IncidentFactory(
            reference="INC-2026-0003",
            reported_by=second_report,
            confidential=True,
            handler=other_officer,
            severity=1,
            status=Status.INVESTIGATING,
        ),
    }


def test_anonymous_visitors_are_sent_to_sign_in(client, incidents):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_reporter_sees_their_own_incidents_only(client_for, staff, incidents):
    assert listed(client_for(staff), status="all") == ["INC-2026-0001"]


def test_someone_without_incidents_sees_an_empty_queue(client_for, outsider, incidents):
    client = client_for(outsider)
    assert listed(client, status="all") == []
    assert "No incidents match these filters." in client.get(QUEUE).content.decode()


def test_a_security_officer_sees_all_but_confidential_incidents(client_for, security_officer, incidents):
    assert listed(client_for(security_officer), sort="reference") == ["INC-2026-0001", "INC-2026-0002"]


def test_a_confidential_incident_shows_once_shared_with_the_officer_or_handled(
    client_for, security_officer, incidents
):
    client = client_for(security_officer)
    assign_perm("incidents.view_confidential_incident", security_officer, incidents["confidential"])
    assert "INC-2026-0003" in listed(client)


def test_the_handler_sees_a_confidential_incident(client_for, security_officer, incidents):
    incidents["confidential"].handler = security_officer
    incidents["confidential"].save()
    assert listed(client_for(security_officer), handler="me") == ["INC-2026-0003"]


def test_an_auditor_sees_every_incident(client_for, auditor, incidents):
    assert listed(client_for(auditor), sort="reference") == [
        "INC-2026-0001",
        "INC-2026-0002",
        "INC-2026-0003",
    ]


def test_the_handler_filter_finds_only_handlers_of_visible_incidents(client_for, security_officer, incidents):
    client = client_for(security_officer)
    hidden = incidents["confidential"].handler
    for typed in (str(hidden.pk), hidden.email, hidden.full_name):
        response = client.get(QUEUE, {"handler": typed})
        assert response.context["form"].errors["handler"] == ["Nothing matches this; check the spelling."]
    # Their id does not turn into their name in the box.
    assert hidden.full_name not in client.get(QUEUE, {"handler": hidden.pk}).content.decode()


def test_the_handler_filter_suggests_me_and_nobody_not_every_handler(client_for, security_officer, incidents):
    page = client_for(security_officer).get(QUEUE).content.decode()
    assert '<option value="me">Me</option><option value="none">Nobody yet</option>' in page
    assert incidents["confidential"].handler.full_name not in page
