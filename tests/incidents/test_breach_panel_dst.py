"""The dashboard's "Running clocks" panel counts elapsed hours across a daylight-saving change and shows the
deadline in the viewer's time zone."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.dashboard_support import dashboard_html
from tests.factories import UserFactory
from tests.incidents.breach_support import UTC, make_breach

pytestmark = pytest.mark.django_db

# Saturday 24 Oct 2026, 12:00 CEST in Berlin; the clocks go back in the night to Sunday the 25th.
NOW = datetime.datetime(2026, 10, 24, 10, 0, tzinfo=UTC)


def panel_line(client_for, viewer, incident, monkeypatch) -> str:
    client = client_for(viewer)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    page = dashboard_html(client)
    monkeypatch.undo()
    panel = re.search(r'<section[^>]*data-testid="running-clocks-panel".*?</section>', page, re.S).group(0)
    return re.search(rf"<li>.*?{incident.reference}.*?</li>", panel, re.S).group(0)


def test_the_countdown_counts_the_extra_hour_of_the_night_the_clocks_go_back(client_for, monkeypatch):
    berlin = UserFactory(roles=["security officer"], time_zone="Europe/Berlin")
    incident = make_breach(berlin)  # aware Friday 23 Oct 10:00 UTC, deadline Monday 26 Oct 10:00 UTC
    line = panel_line(client_for, berlin, incident, monkeypatch)
    # From Saturday 12:00 CEST to Monday 11:00 CET the wall clock shows 47 hours; 48 hours elapse.
    assert '<time datetime="2026-10-26T10:00:00Z">26 Oct 2026, 11:00 CET</time>' in line
    assert re.search(
        r'<time data-countdown datetime="2026-10-26T10:00:00Z"[^>]*>48 h 0 min left</time>', line
    )


def test_a_new_york_officer_sees_the_same_countdown_and_the_deadline_in_edt(client_for, monkeypatch):
    new_york = UserFactory(roles=["security officer"], time_zone="America/New_York")
    incident = make_breach(new_york)
    line = panel_line(client_for, new_york, incident, monkeypatch)
    assert "26 Oct 2026, 06:00 EDT</time>" in line
    assert "48 h 0 min left" in line
