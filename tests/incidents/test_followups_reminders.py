"""Overdue follow-up actions are reminded to their owners in one digest a day."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from guardian.shortcuts import assign_perm

from dpms.models import Notification
from incidents.choices import ActionStatus, EventKind, Status
from incidents.queries.visibility import SHARE_PERMISSION
from incidents.services.followups import remind_overdue_actions
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import FollowUpActionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def at(day, hour=9):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def incident(staff, security_officer):
    return incident_at(Status.CLOSED, reporter=staff, handler=security_officer)


def overdue(incident, owner, title, days_late=3, **extra):
    """An action of ``owner`` ``days_late`` days past due; the incident is shared with the owner, as
    ``followup_create`` does for an owner who could not see it."""
    assign_perm(f"incidents.{SHARE_PERMISSION}", owner, incident)
    return FollowUpActionFactory(
        incident=incident,
        owner=owner,
        title=title,
        due_on=TODAY - datetime.timedelta(days=days_late),
        **extra,
    )


def digests(person):
    return list(Notification.objects.filter(recipient=person).order_by("pk").values_list("body", flat=True))


def test_each_owner_gets_one_digest_of_their_overdue_actions(incident, manager, outsider):
    overdue(incident, manager, "Patch the mail gateway")
    overdue(incident, manager, "Rotate keys", status=ActionStatus.IN_PROGRESS)
    overdue(incident, manager, "Done already", status=ActionStatus.DONE)
    overdue(incident, manager, "Dropped", status=ActionStatus.CANCELLED)
    overdue(incident, manager, "Not yet due", days_late=-2)
    overdue(incident, manager, "Due today", days_late=0)
    overdue(incident, outsider, "Train staff")
    assert remind_overdue_actions(now=at(TODAY)) == 2
    [body] = digests(manager)
    for listed in ("Patch the mail gateway", "Rotate keys", incident.reference):
        assert listed in body
    for left_out in ("Done already", "Dropped", "Not yet due", "Due today"):
        assert left_out not in body
    assert "Train staff" in digests(outsider)[0]


def test_the_reminder_goes_out_once_per_day(incident, manager):
    overdue(incident, manager, "Patch the mail gateway")
    assert remind_overdue_actions(now=at(TODAY)) == 1
    assert remind_overdue_actions(now=at(TODAY, hour=15)) == 0
    assert remind_overdue_actions(now=at(TODAY + datetime.timedelta(days=1))) == 1
    assert len(digests(manager)) == 2


def test_after_downtime_one_digest_not_one_per_missed_day(incident, manager):
    overdue(incident, manager, "Patch the mail gateway", days_late=10)
    assert remind_overdue_actions(now=at(TODAY + datetime.timedelta(days=4))) == 1
    assert len(digests(manager)) == 1


def test_nothing_is_sent_when_nothing_is_overdue(incident, manager):
    overdue(incident, manager, "Done", status=ActionStatus.DONE)
    overdue(incident, manager, "Later", days_late=-5)
    assert remind_overdue_actions(now=at(TODAY)) == 0
    assert not Notification.objects.exists()


def test_the_reminder_is_on_the_incidents_timeline(incident, manager):
    overdue(incident, manager, "Patch the mail gateway")
    remind_overdue_actions(now=at(TODAY))
    line = incident.events.get(kind=EventKind.NOTIFICATION)
    assert line.internal
    assert "Mona Manager" in line.text
    assert "Patch the mail gateway" in line.text
