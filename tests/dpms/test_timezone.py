"""Times are stored in UTC and shown in the viewer's time zone."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

NOON_UTC = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)


def test_a_person_sees_times_in_their_own_time_zone(client_for, staff):
    NotificationFactory(recipient=staff, subject="Hello", created_at=NOON_UTC)
    staff.time_zone = "America/New_York"
    staff.save()
    page = client_for(staff).get(reverse("notifications")).content.decode()
    assert "08:00" in page  # 12:00 UTC is 08:00 in New York in summer


def test_without_a_time_zone_the_installations_applies(client_for, staff, settings):
    NotificationFactory(recipient=staff, subject="Hello", created_at=NOON_UTC)
    page = client_for(staff).get(reverse("notifications")).content.decode()
    assert settings.TIME_ZONE == "Europe/Berlin"
    assert "14:00" in page  # Berlin is UTC+2 in summer


def test_an_unknown_time_zone_is_refused(staff):
    staff.time_zone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as error:
        staff.full_clean()
    assert "time_zone" in error.value.message_dict
