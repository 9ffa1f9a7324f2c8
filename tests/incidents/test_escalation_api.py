"""The escalation of an incident through the API: what the incident page's escalation section shows, to the
same people."""

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Severity, Status
from incidents.services import escalation
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


def test_responders_read_the_levels_and_the_plain_reporter_does_not(staff, manager, auditor, outsider):
    incident = incident_at(Status.TRIAGED, reporter=staff, handler=manager, severity=Severity.SEV1)
    escalation.on_severity_set(incident=incident, now=timezone.now())
    url = reverse("api:incident-escalation", args=[incident.pk])
    response = api_client(token_for(manager)[1]).get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["policy"] == "SEV1"
    assert body["levels"]
    assert body["next_at"] is not None
    # A SEV1's first level fires at once: it is listed with whom it told.
    assert [(fire["round"], fire["position"], fire["late"]) for fire in body["fired"]] == [(1, 1, False)]
    assert "ETag" not in response
    assert api_client(token_for(auditor)[1]).get(url).status_code == 200
    assert api_client(token_for(staff)[1]).get(url).status_code == 403
    assert api_client(token_for(outsider)[1]).get(url).status_code == 404
