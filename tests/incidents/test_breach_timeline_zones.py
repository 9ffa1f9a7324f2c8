"""The clock lines of the timeline name their times in the viewer's time zone: the stored line keeps the
instants (UTC, ISO) in its data, never baked into its text."""

import datetime
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from incidents.choices import EventKind
from incidents.services.breach import (
    authority_record_notified,
    breach_set_awareness,
    nis2_mark_significant,
    nis2_record,
)
from tests.factories import UserFactory
from tests.incidents.breach_support import AWARE, after, make_breach
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def officer(zone: str):
    return UserFactory(roles=["security officer"], time_zone=zone)


def timeline(client_for, viewer, incident) -> str:
    page = client_for(viewer).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    return re.search(r'<section[^>]*data-testid="timeline".*?</section>', page, re.S).group(0)


def shown(section: str) -> list[tuple[str, str]]:
    """(label, shown time) of each time listed under the timeline lines."""
    return re.findall(r'<dt>([^<]+)</dt><dd><time datetime="[^"]+">([^<]+)</time></dd>', section)


def test_a_berlin_viewer_sees_the_clock_lines_times_in_cest_and_cet(client_for):
    berlin = officer("Europe/Berlin")
    incident = make_breach(berlin)  # aware 23 Oct 2026 10:00 UTC; the clocks go back on the 25th
    section = timeline(client_for, berlin, incident)
    assert ("Aware since", "23 Oct 2026, 12:00 CEST") in shown(section)
    assert ("72-hour deadline", "26 Oct 2026, 11:00 CET") in shown(section)
    assert '<time datetime="2026-10-26T10:00:00Z">' in section


def test_a_new_york_viewer_sees_the_same_line_in_edt(client_for):
    incident = make_breach(officer("Europe/Berlin"))
    section = timeline(client_for, officer("America/New_York"), incident)
    assert ("Aware since", "23 Oct 2026, 06:00 EDT") in shown(section)
    assert ("72-hour deadline", "26 Oct 2026, 06:00 EDT") in shown(section)


def test_no_clock_line_bakes_a_time_into_its_text(security_officer):
    incident = make_breach(security_officer)
    breach_set_awareness(
        actor=security_officer, incident=incident, aware_at=after(-2), reason="Known earlier.", now=after(1)
    )
    authority_record_notified(
        actor=security_officer, incident=incident, notified_at=after(3), reference="DPA-1", now=after(4)
    )
    lines = list(incident.events.filter(kind=EventKind.CLOCK))
    assert len(lines) == 3
    for line in lines:
        assert not ISO.search(line.text), line.text
        assert line.data["times"]
    assert ["Notified at", "2026-10-23T13:00:00+00:00"] in lines[-1].data["times"]


@override_settings(NIS2_ENABLED=True)
def test_nis2_lines_show_their_deadlines_in_the_viewers_zone(client_for):
    new_york = officer("America/New_York")
    incident = IncidentFactory(noticed_at=AWARE)
    nis2_mark_significant(actor=new_york, incident=incident, now=after(1))
    nis2_record(actor=new_york, incident=incident, report="notification", at=after(30), now=after(31))
    section = timeline(client_for, new_york, incident)
    assert ("Early warning due by", "24 Oct 2026, 06:00 EDT") in shown(section)
    # The notification at 24 Oct 16:00 UTC; the final report a month later, after New York's change on 1 Nov.
    assert ("Final report due by", "24 Nov 2026, 11:00 EST") in shown(section)
    assert not ISO.search(re.sub(r'datetime="[^"]+"', "", section))


def test_the_filter_shows_text_that_is_not_an_instant_as_it_is():
    from incidents.templatetags.incident_links import iso_local

    assert iso_local("soon") == "soon"
    with timezone.override("Asia/Tokyo"):
        assert iso_local("2026-01-01T00:00:00+00:00") == "1 Jan 2026, 09:00 JST"
        assert iso_local(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)) == "1 Jan 2026, 09:00 JST"
