"""What a queue row shows is worked out once in Python: the same times as the template's date filters, the
same nearest deadline as the database sorts by; and the default order is read from its index."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template.defaultfilters import date as date_filter
from django.test import override_settings
from django.utils import timezone, translation

from incidents.models import NO_DEADLINE, Incident, nearest_deadline_sort
from incidents.queries import lists as queries
from incidents.views.lists import RowTimes
from tests.factories import UserFactory
from tests.incidents.lists_support import make_incidents
from tests.plans import index_order_plan

INSTANTS = [
    datetime(2026, 1, 5, 8, 3, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC),  # Berlin: the last minute of winter time
    datetime(2026, 7, 14, 22, 30, tzinfo=UTC),  # Berlin: the next day
    datetime(987, 12, 31, 23, 0, tzinfo=UTC),  # a year of three digits
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_row_times_read_as_the_date_filters_do(zone):
    with timezone.override(ZoneInfo(zone)):
        times = RowTimes(timezone.get_current_timezone())
        for instant in INSTANTS:
            local = timezone.localtime(instant)  # as a template does before its filters
            assert times.moment(instant) == {
                "iso": date_filter(local, "c"),
                "text": date_filter(local, "DATETIME_FORMAT"),
            }
            assert (
                times.title(instant) == f"{date_filter(local, 'DATETIME_FORMAT')} {date_filter(local, 'T')}"
            )
    assert times.moment(None) is None


@pytest.mark.parametrize("language", ["en", "de"])
def test_row_times_write_every_month_as_the_date_filter_in_each_language(language):
    """RowTimes splits the format and names the months once a page; the texts stay the filter's."""
    with translation.override(language), timezone.override(ZoneInfo("Europe/Berlin")):
        times = RowTimes(timezone.get_current_timezone())
        for month in range(1, 13):
            instant = datetime(2026, month, 9, 7, 5, 3, tzinfo=UTC)
            local = timezone.localtime(instant)
            assert times.moment(instant)["text"] == date_filter(local, "DATETIME_FORMAT")


@pytest.mark.parametrize("pattern", [r"D, d.m.y G:i:s \a\t e", "N jS F Y, P", "r", r"\Y Y-m-d H:i \\"])
def test_row_times_leave_other_format_characters_to_dateformat(pattern):
    with override_settings(DATETIME_FORMAT=pattern, FORMAT_MODULE_PATH=None), translation.override(None):
        times = RowTimes(ZoneInfo("Europe/Berlin"))
        assert times.format == pattern
        for instant in INSTANTS:
            local = instant.astimezone(ZoneInfo("Europe/Berlin"))
            assert times.text(local) == date_filter(local, pattern)


def test_the_zone_is_named_in_the_hour_a_clock_change_repeats():
    # 02:30 happens twice in Berlin on 25 October 2026: first in summer time, then in winter time.
    times = RowTimes(ZoneInfo("Europe/Berlin"))
    assert times.title(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "25 Oct 2026, 02:30 CEST"
    assert times.title(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "25 Oct 2026, 02:30 CET"


@pytest.mark.django_db
def test_a_rows_nearest_deadline_is_the_one_the_database_sorts_by():
    make_incidents(120, handlers=UserFactory.create_batch(2), reporters=UserFactory.create_batch(2))
    now = timezone.now()
    Incident.objects.filter(pk__in=Incident.objects.filter(is_breach=True).values("pk")[:10]).update(
        nis2_significant=True,
        nis2_early_warning_deadline=now + timedelta(hours=1),
        nis2_notification_deadline=now + timedelta(hours=70),
    )
    rows = Incident.objects.annotate(sort=nearest_deadline_sort())
    seen = set()
    for incident in rows:
        label, deadline = queries.nearest_deadline(incident)
        if incident.sort == NO_DEADLINE:
            assert (label, deadline) == ("", None)
        else:
            assert deadline == incident.sort
            seen.add(label)
    assert seen == {"Authority notification", "Escalation", "NIS2 early warning", "NIS2 final report"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_default_order_is_read_from_its_index_not_sorted(requires_postgres, security_officer):
    """The queue's sort expressions and the index's must stay the same, or PostgreSQL sorts every visible
    incident again for each page."""
    make_incidents(200, handlers=[security_officer], reporters=UserFactory.create_batch(2))
    ids = queries.filter_queue(queries.queue_for_user(security_officer), viewer=security_officer)
    plan = index_order_plan(ids, "incidents_incident")
    assert "incident_queue_deadline_order" in plan
    assert "Sort" not in plan
