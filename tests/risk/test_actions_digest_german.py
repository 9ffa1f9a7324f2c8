"""A German owner's daily digest of overdue risk actions is in German, dates included."""

import datetime
import zoneinfo

import pytest
from django.conf import settings

from dpms.models import Notification
from risk.services.actions import remind_overdue_actions
from tests.i18n import speaks_german
from tests.risk.factories import RiskFactory, TreatmentActionFactory

pytestmark = pytest.mark.django_db


def test_the_overdue_actions_digest_is_german_for_a_german_owner(staff):
    owner = speaks_german(staff)
    TreatmentActionFactory(
        risk=RiskFactory(owner=owner), owner=owner, title="Patch the VPN", due_on=datetime.date(2026, 11, 28)
    )
    now = datetime.datetime(2026, 12, 1, 9, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    assert remind_overdue_actions(now=now) == 1

    digest = Notification.objects.get(recipient=owner)
    assert digest.subject.startswith("Überfällige Maßnahmen zu Risiken")
    assert "die Sie verantwortlich sind, haben ihr Fälligkeitsdatum überschritten" in digest.body
    assert "Patch the VPN (fällig am 28. Nov. 2026)" in digest.body
    assert "due" not in digest.body
