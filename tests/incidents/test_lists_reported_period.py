"""The queue's "reported from / to" filter (calendar days in the viewer's time zone, both included): the
dashboard's months of breach clocks link to it."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from incidents.choices import Status
from tests.incidents.factories import IncidentFactory
from tests.incidents.lists_support import listed

pytestmark = pytest.mark.django_db


def test_the_period_holds_the_incidents_reported_on_its_days(client_for, security_officer):
    zone = timezone.get_current_timezone()
    day = timezone.localdate() - timedelta(days=10)

    def at(hour, days=0):
        midnight = datetime.combine(day + timedelta(days=days), datetime.min.time(), tzinfo=zone)
        return midnight + timedelta(hours=hour)

    IncidentFactory(reference="INC-2026-0701", reported_at=at(0), status=Status.CLOSED)  # first minute
    IncidentFactory(reference="INC-2026-0702", reported_at=at(23.99, days=1))  # last minute of the end
    IncidentFactory(reference="INC-2026-0703", reported_at=at(-0.01))  # the evening before
    IncidentFactory(reference="INC-2026-0704", reported_at=at(0, days=2))  # the day after
    client = client_for(security_officer)
    found = listed(
        client, status="all", reported_from=day.isoformat(), reported_to=(day + timedelta(days=1)).isoformat()
    )
    assert sorted(found) == ["INC-2026-0701", "INC-2026-0702"]
    assert sorted(listed(client, status="all", reported_from=(day + timedelta(days=1)).isoformat())) == [
        "INC-2026-0702",
        "INC-2026-0704",
    ]
