"""NIS2 Art. 23 (when enabled): early warning within 24 hours, notification within 72 hours of awareness,
final report within one calendar month of the notification; reminders 6 hours before and when passed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from dpms.models import Notification
from incidents.services.breach import nis2_mark_significant, nis2_record, one_month_after, remind_clocks
from tests.incidents.breach_support import AWARE, UTC, after
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db
nis2_on = override_settings(NIS2_ENABLED=True)


def significant(officer, **fields):
    incident = IncidentFactory(noticed_at=AWARE, **fields)
    return nis2_mark_significant(actor=officer, incident=incident, now=after(1))


@nis2_on
def test_significant_incident_gets_the_24_and_72_hour_deadlines(security_officer):
    incident = significant(security_officer)
    assert incident.nis2_aware_at == AWARE
    assert incident.nis2_early_warning_deadline == after(24)
    assert incident.nis2_notification_deadline == after(72)
    assert incident.nis2_final_report_deadline is None


@override_settings(NIS2_ENABLED=False)
def test_nis2_is_refused_when_disabled(security_officer):
    with pytest.raises(ValidationError, match="not enabled"):
        nis2_mark_significant(
            actor=security_officer, incident=IncidentFactory(noticed_at=AWARE), now=after(1)
        )


@nis2_on
def test_final_report_is_due_one_month_after_the_notification(security_officer):
    incident = significant(security_officer)
    nis2_record(
        actor=security_officer, incident=incident, report="early_warning", at=after(20), now=after(20)
    )
    recorded = nis2_record(
        actor=security_officer, incident=incident, report="notification", at=after(60), now=after(61)
    )
    assert recorded.nis2_notification_at == after(60)
    assert recorded.nis2_final_report_deadline == datetime.datetime(2026, 11, 25, 22, 0, tzinfo=UTC)


def test_one_month_clamps_the_day_at_the_end_of_a_shorter_month():
    assert one_month_after(datetime.datetime(2027, 1, 31, 9, 30, tzinfo=UTC)) == datetime.datetime(
        2027, 2, 28, 9, 30, tzinfo=UTC
    )
    assert one_month_after(datetime.datetime(2028, 1, 31, 9, 30, tzinfo=UTC)) == datetime.datetime(
        2028, 2, 29, 9, 30, tzinfo=UTC
    )


@nis2_on
def test_final_report_follows_the_notification_and_reports_are_recorded_once(security_officer):
    incident = significant(security_officer)
    with pytest.raises(ValidationError, match="record that first"):
        nis2_record(
            actor=security_officer, incident=incident, report="final_report", at=after(2), now=after(2)
        )
    nis2_record(actor=security_officer, incident=incident, report="early_warning", at=after(2), now=after(2))
    with pytest.raises(ValidationError, match="recorded already"):
        nis2_record(
            actor=security_officer, incident=incident, report="early_warning", at=after(3), now=after(3)
        )


@nis2_on
def test_nis2_reminders_six_hours_before_and_when_passed_each_once(security_officer):
    incident = significant(security_officer)
    sent = {hour: remind_clocks(now=after(hour)) for hour in range(80)}
    assert [hour for hour, count in sent.items() if count] == [18, 24, 66, 72]
    subjects = list(
        Notification.objects.filter(recipient=security_officer, dedup_key__contains=":nis2-clock:")
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    assert subjects[0] == (
        f"{incident.reference}: the NIS2 early warning is due by 24 Oct 2026, 10:00 UTC (12:00 CEST) "
        "(in 6 hours or less)"
    )
    assert subjects[1].startswith(f"{incident.reference}: the NIS2 early warning deadline passed")
    assert "NIS2 incident notification is due" in subjects[2]
    assert "NIS2 incident notification deadline passed" in subjects[3]


@nis2_on
def test_no_nis2_reminder_for_reports_already_submitted(security_officer):
    incident = significant(security_officer)
    nis2_record(
        actor=security_officer, incident=incident, report="early_warning", at=after(10), now=after(10)
    )
    nis2_record(actor=security_officer, incident=incident, report="notification", at=after(30), now=after(30))
    assert [remind_clocks(now=after(hour)) for hour in (18, 24, 66, 72)] == [0, 0, 0, 0]
