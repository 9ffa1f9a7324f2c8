"""After an awareness change the reminders follow the new clock: its steps already passed are not sent, its
later ones are, even steps the old clock had sent (a later awareness), each with the new deadline."""

import pytest

from dpms.models import Notification
from incidents.services.breach import breach_set_awareness, remind_clocks
from tests.incidents.breach_support import after, make_breach

pytestmark = pytest.mark.django_db


def reminders(person) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person, dedup_key__contains=":breach-clock:")
        .order_by("pk")
        .values_list("subject", flat=True)
    )


def move_awareness(officer, incident, *, to, at):
    return breach_set_awareness(
        actor=officer, incident=incident, aware_at=after(to), reason="Confirmed only then.", now=after(at)
    )


def test_a_later_awareness_sends_the_new_clocks_early_reminders(security_officer):
    incident = make_breach(security_officer)
    remind_clocks(now=after(24))
    remind_clocks(now=after(48))
    move_awareness(security_officer, incident, to=40, at=50)  # the deadline moves to after(112)
    sent = {hour: remind_clocks(now=after(hour)) for hour in range(50, 120)}
    assert [hour for hour, count in sent.items() if count] == [64, 88, 106, 112]
    by = "notify the supervisory authority by 28 Oct 2026, 02:00 UTC (03:00 CET)"
    assert reminders(security_officer)[2:] == [
        f"{incident.reference}: 24 hours of 72 elapsed, {by}",
        f"{incident.reference}: 48 hours of 72 elapsed, {by}",
        f"{incident.reference}: 66 hours of 72 elapsed, {by}",
        f"{incident.reference}: deadline passed at 28 Oct 2026, 02:00 UTC (03:00 CET), "
        "notify the supervisory authority "
        "now and record the reasons for the delay",
    ]


def test_steps_the_new_clock_has_already_passed_are_not_sent(security_officer):
    incident = make_breach(security_officer)
    remind_clocks(now=after(48))
    moved = move_awareness(security_officer, incident, to=20, at=50)  # 30 hours into the new clock
    assert moved.breach_reminder_hours == 24
    assert remind_clocks(now=after(51)) == 0
    assert remind_clocks(now=after(68)) == 1  # the new clock's 48 hours
    assert "48 hours of 72 elapsed" in reminders(security_officer)[-1]


def test_every_awareness_change_is_told_even_back_to_an_earlier_time(security_officer):
    from dpms.models import Notification
    from incidents.services.breach import breach_set_awareness
    from tests.incidents.breach_support import after, make_breach

    incident = make_breach(security_officer)
    for to, at in ((2, 3), (0.5, 4), (2, 5)):
        incident = breach_set_awareness(
            actor=security_officer, incident=incident, aware_at=after(to), reason="Confirmed", now=after(at)
        )
    told = Notification.objects.filter(recipient=security_officer, subject__contains="awareness changed")
    assert told.count() == 3
