"""How the lists put durations and countdowns into words."""

import datetime as dt
from datetime import timedelta

import pytest

from incidents.views.lists import countdown_text, human_duration

NOW = dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (None, "—"),
        (timedelta(seconds=20), "< 1 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=2, minutes=15), "2 h 15 min"),
        (timedelta(hours=5), "5 h"),
        (timedelta(days=3, hours=4, minutes=59), "3 d 4 h"),
        (timedelta(days=2), "2 d"),
    ],
)
def test_human_durations(delta, text):
    assert human_duration(delta) == text


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(hours=5, minutes=3, seconds=40), "5 h 3 min left"),
        (timedelta(hours=71, minutes=59), "71 h 59 min left"),
        (timedelta(days=29, hours=3), "29 d 3 h left"),
        (-timedelta(hours=2), "Overdue by 2 h 0 min"),
        (-timedelta(minutes=1), "Overdue by 0 h 1 min"),
    ],
)
def test_countdowns_read_like_the_live_script_renders_them(left, text):
    assert countdown_text(NOW + left, NOW) == text
