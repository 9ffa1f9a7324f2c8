"""The timeline through the API: each reader's lines (internal ones only to those who see internal lines),
oldest first in cursor pages, in a fixed number of queries however long it is."""

import pytest
from django.urls import reverse

from incidents.choices import EventKind, Status
from incidents.models import IncidentEvent
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import IncidentEventFactory

pytestmark = pytest.mark.django_db


def test_each_reader_gets_their_lines(staff, manager):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=manager)
    IncidentEventFactory(incident=incident, actor=manager, internal=True, text="Internal")
    IncidentEventFactory(incident=incident, actor=manager, internal=False, kind=EventKind.STATUS, text="Seen")
    url = reverse("api:incident-timeline", args=[incident.pk])
    lines = api_client(token_for(staff)[1]).get(url).json()["results"]
    assert [line["text"] for line in lines] == ["Seen"]
    lines = api_client(token_for(manager)[1]).get(url).json()["results"]
    assert [line["text"] for line in lines] == ["Internal", "Seen"]


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_timeline_and_comments_run_a_fixed_number_of_queries(
    rows, staff, manager, django_assert_num_queries
):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=manager)
    IncidentEvent.objects.bulk_create(
        IncidentEventFactory.build_batch(rows, incident=incident, actor=manager, kind=EventKind.COMMENT)
    )
    api = api_client(token_for(manager)[1])
    timeline = reverse("api:incident-timeline", args=[incident.pk])
    comments = reverse("api:incident-comments", args=[incident.pk])
    api.get(timeline)  # the first use notes the time and address (once a minute)
    # token with its owner (1), the caller's portal roles (1), the incident with its people (1), a page of
    # lines with their actors (1), and the files of those lines the caller may open (1)
    with django_assert_num_queries(5):
        assert len(api.get(timeline + "?page_size=200").json()["results"]) == min(rows, 200)
    with django_assert_num_queries(5):
        assert len(api.get(comments + "?page_size=200").json()["results"]) == min(rows, 200)
