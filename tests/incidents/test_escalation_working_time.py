"""Working-time due times: only Monday to Friday count, in the portal's time zone (a pure function)."""

import zoneinfo
from datetime import UTC, datetime

import pytest

from incidents.services.escalation import add_working_minutes, duration_text

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DAY = 24 * 60


def berlin(*args):
    return datetime(*args, tzinfo=BERLIN)


def test_a_working_day_from_friday_afternoon_ends_on_monday_afternoon():
    due = add_working_minutes(berlin(2026, 11, 27, 16, 0), DAY, BERLIN)
    assert due.astimezone(BERLIN) == berlin(2026, 11, 30, 16, 0)


def test_within_a_weekday_it_is_plain_elapsed_time():
    assert add_working_minutes(berlin(2026, 11, 24, 9, 0), 90, BERLIN) == berlin(2026, 11, 24, 10, 30)


def test_a_start_at_the_weekend_counts_from_monday_midnight():
    due = add_working_minutes(berlin(2026, 11, 28, 11, 0), 60, BERLIN)
    assert due.astimezone(BERLIN) == berlin(2026, 11, 30, 1, 0)


def test_zero_minutes_is_the_start_even_at_the_weekend():
    start = berlin(2026, 11, 29, 11, 0)
    assert add_working_minutes(start, 0, BERLIN) == start


def test_five_working_days_from_monday_are_the_next_monday():
    due = add_working_minutes(berlin(2026, 11, 23, 8, 0), 5 * DAY, BERLIN)
    assert due.astimezone(BERLIN) == berlin(2026, 11, 30, 8, 0)


def test_elapsed_hours_are_counted_across_a_daylight_saving_change():
    # Friday 23 October 2026 12:00 CEST; the clocks go back on Sunday 25 October (a weekend day, skipped):
    # Friday keeps 12 hours, Monday gives the other 12, now in CET.
    due = add_working_minutes(berlin(2026, 10, 23, 12, 0), DAY, BERLIN)
    assert due.astimezone(BERLIN) == berlin(2026, 10, 26, 12, 0)
    assert due.tzinfo == UTC


@pytest.mark.parametrize(
    ("minutes", "working", "text"),
    [
        (15, False, "15 minutes"),
        (60, False, "1 hour"),
        (240, False, "4 hours"),
        (1440, True, "1 working day"),
    ],
)
def test_durations_read_naturally(minutes, working, text):
    assert duration_text(minutes, working_time=working) == text
