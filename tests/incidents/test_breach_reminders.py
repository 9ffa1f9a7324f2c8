"""Clock reminders at 24, 48 and 66 hours elapsed and at the deadline: each once, the latest only after
downtime, none once the decision is recorded; to the handler and the security officers who may see it."""

import pytest

from dpms.models import Notification, OutboxEmail
from incidents.choices import EventKind
from incidents.models import Incident
from incidents.services.breach import authority_record_not_required, remind_clocks
from tests.factories import UserFactory
from tests.incidents.breach_support import after, make_breach

pytestmark = pytest.mark.django_db


def reminders(person):
    return list(
        Notification.objects.filter(recipient=person, dedup_key__contains=":breach-clock:")
        .order_by("pk")
        .values_list("subject", flat=True)
    )


def test_each_reminder_is_sent_once_at_its_hour(security_officer):
    incident = make_breach(security_officer)
    sent = {hour: remind_clocks(now=after(hour, incident.aware_at)) for hour in range(80)}
    assert [hour for hour, count in sent.items() if count] == [24, 48, 66, 72]
    by = "notify the supervisory authority by 26 Oct 2026, 10:00 UTC (11:00 CET)"
    assert reminders(security_officer) == [
        f"{incident.reference}: 24 hours of 72 elapsed, {by}",
        f"{incident.reference}: 48 hours of 72 elapsed, {by}",
        f"{incident.reference}: 66 hours of 72 elapsed, {by}",
        f"{incident.reference}: deadline passed at 26 Oct 2026, 10:00 UTC (11:00 CET), "
        "notify the supervisory "
        "authority now and record the reasons for the delay",
    ]
    assert OutboxEmail.objects.filter(recipient=security_officer, subject__contains="elapsed").count() == 3


def test_two_runs_in_the_same_minute_send_once(security_officer):
    make_breach(security_officer)
    assert remind_clocks(now=after(24)) == 1
    assert remind_clocks(now=after(24)) == 0
    assert len(reminders(security_officer)) == 1


def test_after_downtime_only_the_latest_due_step_is_sent_and_the_timeline_says_so(security_officer):
    incident = make_breach(security_officer)
    assert remind_clocks(now=after(67)) == 1  # down from before hour 24 until hour 67
    assert len(reminders(security_officer)) == 1
    assert "66 hours of 72 elapsed" in reminders(security_officer)[0]
    stale = incident.events.filter(kind=EventKind.CLOCK, text__contains="skipped as stale").get()
    assert stale.text.startswith("Reminders at 24 h, 48 h skipped as stale")
    assert remind_clocks(now=after(68)) == 0
    assert remind_clocks(now=after(72)) == 1


def test_no_reminder_once_the_decision_is_recorded(security_officer):
    incident = make_breach(security_officer)
    assert remind_clocks(now=after(24)) == 1
    authority_record_not_required(
        actor=security_officer, incident=incident, reason="Encrypted laptop, key not exposed.", now=after(30)
    )
    assert [remind_clocks(now=after(hour)) for hour in (48, 66, 72, 200)] == [0, 0, 0, 0]
    assert len(reminders(security_officer)) == 1


def test_reminders_go_to_the_handler_and_the_officers_who_may_see_it(security_officer):
    handler = UserFactory()
    other_officer = UserFactory(roles=["security officer"])
    make_breach(security_officer, handler=handler)
    confidential = make_breach(handler, confidential=True, handler=handler)
    remind_clocks(now=after(24))
    assert len(reminders(handler)) == 2
    assert len(reminders(other_officer)) == 1  # not told about the confidential one it may not see
    assert len(reminders(security_officer)) == 1
    assert Incident.objects.get(pk=confidential.pk).breach_reminder_hours == 24


def test_each_reminder_appears_on_the_timeline(security_officer):
    incident = make_breach(security_officer)
    remind_clocks(now=after(48))
    line = incident.events.filter(kind=EventKind.NOTIFICATION, text__contains="48 hours of 72").get()
    assert "sent to Olga Officer" in line.text
