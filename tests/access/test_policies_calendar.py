"""The calendar of a policy: period keys and the next run, per cadence, in UTC."""

import datetime
from datetime import UTC

import pytest

from access.choices import Cadence
from access.services.policies import next_run_on_or_after, period_key


@pytest.mark.parametrize(
    ("cadence", "day", "key"),
    [
        (Cadence.MONTHLY, datetime.date(2026, 11, 29), "2026-11"),
        (Cadence.QUARTERLY, datetime.date(2026, 11, 29), "2026-Q4"),
        (Cadence.QUARTERLY, datetime.date(2026, 1, 1), "2026-Q1"),
        (Cadence.HALF_YEARLY, datetime.date(2026, 6, 30), "2026-H1"),
        (Cadence.HALF_YEARLY, datetime.date(2026, 7, 1), "2026-H2"),
        (Cadence.YEARLY, datetime.date(2026, 12, 31), "2026"),
    ],
)
def test_period_key_per_cadence(cadence, day, key):
    assert period_key(cadence, day) == key


def _utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cadence", "start", "day", "expected"),
    [
        # A start date in the future is the first run.
        (Cadence.QUARTERLY, datetime.date(2027, 1, 1), datetime.date(2026, 11, 29), _utc(2027, 1, 1)),
        # A start date today runs today.
        (Cadence.MONTHLY, datetime.date(2026, 11, 29), datetime.date(2026, 11, 29), _utc(2026, 11, 29)),
        # Past start dates: the next run on or after today, counted from the start date.
        (Cadence.MONTHLY, datetime.date(2026, 1, 15), datetime.date(2026, 11, 29), _utc(2026, 12, 15)),
        (Cadence.QUARTERLY, datetime.date(2026, 1, 1), datetime.date(2026, 11, 29), _utc(2027, 1, 1)),
        (Cadence.QUARTERLY, datetime.date(2026, 1, 1), datetime.date(2026, 10, 1), _utc(2026, 10, 1)),
        (Cadence.HALF_YEARLY, datetime.date(2025, 3, 10), datetime.date(2026, 11, 29), _utc(2027, 3, 10)),
        (Cadence.YEARLY, datetime.date(2020, 2, 1), datetime.date(2026, 11, 29), _utc(2027, 2, 1)),
        # The 31st keeps its day where the month has one (no drift to the 28th for good).
        (Cadence.MONTHLY, datetime.date(2026, 1, 31), datetime.date(2026, 2, 1), _utc(2026, 2, 28)),
        (Cadence.MONTHLY, datetime.date(2026, 1, 31), datetime.date(2026, 3, 1), _utc(2026, 3, 31)),
    ],
)
def test_next_run_is_the_first_run_on_or_after_the_day(cadence, start, day, expected):
    assert next_run_on_or_after(cadence=cadence, start_date=start, day=day) == expected
