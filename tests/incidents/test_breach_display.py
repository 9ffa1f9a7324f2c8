"""The deadline is computed in UTC as elapsed hours and shown in the viewer's time zone, right across the
daylight-saving changes of Europe/Berlin."""

import datetime
import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.incidents.breach_support import UTC, make_breach

pytestmark = pytest.mark.django_db


def officer(zone: str):
    return UserFactory(roles=["security officer"], time_zone=zone)


def deadline_shown(client_for, viewer, incident) -> str:
    page = client_for(viewer).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    match = re.search(r'data-testid="breach-deadline"><time datetime="([^"]+)">([^<]+)</time>', page)
    assert match, "no deadline on the page"
    return match.groups()


def test_autumn_deadline_after_the_clocks_go_back_is_shown_in_cet_to_a_berlin_viewer(client_for):
    berlin = officer("Europe/Berlin")
    # Awareness Friday 23 Oct 2026 12:00 CEST (10:00 UTC); the clocks go back on Sunday 25 Oct.
    incident = make_breach(berlin, aware=datetime.datetime(2026, 10, 23, 10, 0, tzinfo=UTC))
    assert incident.authority_deadline == datetime.datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
    # 72 elapsed hours end at 11:00 CET on Monday, not at 12:00: the night of the 25th had 25 hours.
    assert deadline_shown(client_for, berlin, incident) == ("2026-10-26T10:00:00Z", "26 Oct 2026, 11:00 CET")


def test_the_same_deadline_is_shown_in_edt_to_a_new_york_viewer(client_for):
    new_york = officer("America/New_York")
    incident = make_breach(officer("Europe/Berlin"), aware=datetime.datetime(2026, 10, 23, 10, 0, tzinfo=UTC))
    # New York keeps summer time until 1 Nov 2026: UTC-4.
    assert deadline_shown(client_for, new_york, incident) == (
        "2026-10-26T10:00:00Z",
        "26 Oct 2026, 06:00 EDT",
    )


def test_spring_deadline_after_the_clocks_go_forward_is_shown_in_cest(client_for):
    berlin = officer("Europe/Berlin")
    # Awareness Saturday 27 Mar 2027 12:00 CET (11:00 UTC); the clocks go forward on Sunday 28 Mar.
    incident = make_breach(berlin, aware=datetime.datetime(2027, 3, 27, 11, 0, tzinfo=UTC))
    assert incident.authority_deadline == datetime.datetime(2027, 3, 30, 11, 0, tzinfo=UTC)
    assert deadline_shown(client_for, berlin, incident) == ("2027-03-30T11:00:00Z", "30 Mar 2027, 13:00 CEST")


def test_awareness_is_shown_in_the_viewers_zone_too(client_for):
    berlin = officer("Europe/Berlin")
    incident = make_breach(berlin, aware=datetime.datetime(2026, 10, 23, 10, 0, tzinfo=UTC))
    page = client_for(berlin).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert ">23 Oct 2026, 12:00 CEST</time>" in page
