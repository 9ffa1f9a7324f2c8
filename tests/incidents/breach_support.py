"""Shared by the breach tests: a breach whose clock starts at a known instant."""

import datetime

from incidents.choices import Status
from incidents.models import Incident
from incidents.services.breach import breach_mark
from tests.incidents.factories import IncidentFactory

UTC = datetime.UTC
# Awareness on Friday 23 October 2026, 12:00 in Berlin (CEST); the clocks go back on Sunday the 25th.
AWARE = datetime.datetime(2026, 10, 23, 10, 0, tzinfo=UTC)


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def after(n: float, base: datetime.datetime = AWARE) -> datetime.datetime:
    """``n`` hours after awareness."""
    return base + hours(n)


def make_breach(actor, *, aware: datetime.datetime = AWARE, **fields) -> Incident:
    """An incident noticed at ``aware``, triaged and marked as a breach five minutes later by ``actor``."""
    incident = IncidentFactory(noticed_at=aware, reported_at=aware, status=Status.TRIAGED, **fields)
    return breach_mark(actor=actor, incident=incident, now=aware + datetime.timedelta(minutes=5))
