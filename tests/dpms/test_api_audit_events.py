"""The audit trail through the API: auditors, security officers and admins read it, filtered exactly as the
page filters it (the page's form validates the filters), newest first, in cursor pages."""

import pytest
from django.urls import reverse

from dpms import audit
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db

URL = reverse("api:audit-event-list")


@pytest.fixture
def trail(staff):
    for n in range(5):
        audit.record(
            action=f"test.thing.{'open' if n % 2 else 'close'}", actor=staff, object_label=f"thing {n}"
        )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("auditor", 200), ("security_officer", 200), ("admin", 200), ("staff", 403), ("manager", 403)],
)
def test_who_reads_the_trail(trail, personas, persona, status):
    response = api_client(token_for(personas[persona])[1]).get(URL)
    assert response.status_code == status


def test_newest_first_with_the_hash_chain(trail, auditor):
    events = api_client(token_for(auditor)[1]).get(URL).json()["results"]
    sequences = [event["sequence"] for event in events]
    assert sequences == sorted(sequences, reverse=True)
    assert events[1]["hash"] == events[0]["prev_hash"]


def test_filters_are_the_pages(trail, auditor, client_for):
    client = api_client(token_for(auditor)[1])
    api = [e["sequence"] for e in client.get(URL, {"action": "test.thing.open"}).json()["results"]]
    page = client_for(auditor).get(reverse("audit_trail"), {"action": "test.thing.open"})
    assert api == [event.sequence for event in page.context["page"].object_list]
    assert len(api) == 2


def test_a_bad_filter_is_a_400_naming_it(auditor):
    response = api_client(token_for(auditor)[1]).get(URL, {"date_from": "yesterday"})
    assert response.status_code == 400
    assert "date_from" in response.json()["errors"]


def test_one_event_by_its_sequence(trail, auditor):
    client = api_client(token_for(auditor)[1])
    newest = client.get(URL).json()["results"][0]
    assert client.get(reverse("api:audit-event-detail", args=[newest["sequence"]])).json() == newest
    assert client.get(reverse("api:audit-event-detail", args=[10**9])).status_code == 404
