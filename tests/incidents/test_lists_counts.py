"""The queue runs a fixed number of queries whatever the number of incidents."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident
from tests.factories import UserFactory
from tests.incidents.lists_support import QUEUE, make_incidents

pytestmark = pytest.mark.django_db


def queries_for(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["security_officer", "auditor", "staff"])
def test_queue_query_count_is_the_same_at_10_and_1000_incidents(client_for, personas, persona):
    viewer = personas[persona]
    client = client_for(viewer)
    handlers = [*UserFactory.create_batch(2, roles=["security officer"]), personas["security_officer"]]
    reporters = [viewer, *UserFactory.create_batch(2)]
    counts = []
    for total in (10, 1000):
        Incident.objects.all().delete()
        make_incidents(total, handlers=handlers, reporters=reporters)
        client.get(QUEUE)  # a session's first request also records it (allauth usersessions)
        counts.append(
            (
                queries_for(client, QUEUE),
                queries_for(client, QUEUE, {"clock": "running", "status": "all"}),
                queries_for(client, QUEUE, {"handler": str(handlers[0].pk), "sort": "-severity"}),
            )
        )
    assert counts[0] == counts[1]


@pytest.mark.parametrize("total", [10, 1000])
def test_queue_query_count_is_pinned(client_for, security_officer, total, django_assert_num_queries):
    handlers = UserFactory.create_batch(3, roles=["security officer"])
    make_incidents(total, handlers=handlers, reporters=UserFactory.create_batch(3))
    client = client_for(security_officer)
    client.get(QUEUE)  # a session's first request also records it (allauth usersessions)
    # 15 queries: session and user (2); allauth's user-session tracking (5); the viewer's groups (1); the
    # page's count (1); the page's ids, sorted (1); those rows with handler and reporter (1); the header's
    # unread count (1); saving the sliding session: savepoint, update, release (3). Nothing per row, and no
    # list of handlers: the handler filter is typed.
    with django_assert_num_queries(15):
        response = client.get(QUEUE, {"status": "all"})
    # Confidential incidents (every 11th) are not the officer's.
    visible = Incident.objects.filter(confidential=False).count()
    assert response.context["page"].paginator.count == visible
    assert len(response.context["page"].object_list) == min(visible, 50)
