"""One incident whose clock reminder fails does not hold up the others: it is logged and retried on the next
tick, the others are reminded, and the tick step then fails so monitoring sees it."""

import pytest
from django.test import override_settings

from dpms.models import Notification
from incidents.models import Incident
from incidents.services import breach
from incidents.services.breach import nis2_mark_significant, remind_clocks
from tests.incidents.breach_support import AWARE, after, make_breach
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def reminded(incident) -> bool:
    return Notification.objects.filter(subject__startswith=f"{incident.reference}: 24 hours").exists()


def fail_for(monkeypatch, broken):
    """Make telling people about ``broken`` fail (a mail relay down, a bad address...)."""
    real = breach._tell_or_log

    def tell_or_fail(incident, **kwargs):
        if incident.pk == broken.pk:
            raise RuntimeError("mail relay down")
        return real(incident, **kwargs)

    monkeypatch.setattr(breach, "_tell_or_log", tell_or_fail)


def test_a_failing_reminder_is_logged_and_the_other_incidents_are_still_reminded(
    security_officer, monkeypatch, caplog
):
    first, broken, last = (make_breach(security_officer, title=title) for title in ("A", "B", "C"))
    fail_for(monkeypatch, broken)
    with pytest.raises(RuntimeError, match="Clock reminders failed for 1 incident"):
        remind_clocks(now=after(24))
    assert reminded(first)
    assert reminded(last)
    assert not reminded(broken)
    assert f"Clock reminder for incident {broken.pk} failed" in caplog.text
    # Its step was not claimed: the next tick, with the fault gone, sends it.
    assert Incident.objects.get(pk=broken.pk).breach_reminder_hours == 0
    monkeypatch.undo()
    assert remind_clocks(now=after(25)) == 1
    assert reminded(broken)


@override_settings(NIS2_ENABLED=True)
def test_a_failing_nis2_reminder_does_not_stop_the_others(security_officer, monkeypatch):
    incidents = [IncidentFactory(noticed_at=AWARE, title=title) for title in ("A", "B", "C")]
    for incident in incidents:
        nis2_mark_significant(actor=security_officer, incident=incident, now=after(1))
    fail_for(monkeypatch, incidents[1])
    with pytest.raises(RuntimeError, match="1 incident"):
        remind_clocks(now=after(19))  # 6 hours before the early warning is due
    keys = dict(
        Incident.objects.filter(pk__in=[i.pk for i in incidents]).values_list("pk", "nis2_reminder_key")
    )
    assert keys == {
        incidents[0].pk: "early_warning:soon",
        incidents[1].pk: "",
        incidents[2].pk: "early_warning:soon",
    }
