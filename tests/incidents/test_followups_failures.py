"""One owner's overdue digest failing does not stop the other owners' digests; the tick step then fails."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from guardian.shortcuts import assign_perm

from dpms.models import Notification
from incidents.choices import EventKind, Status
from incidents.services import followups
from incidents.services.followups import remind_overdue_actions
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import FollowUpActionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)
NOW = datetime.datetime.combine(TODAY, datetime.time(9), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def test_a_failing_digest_is_logged_and_the_other_owners_still_get_theirs(
    staff, security_officer, monkeypatch, caplog
):
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    owners = [UserFactory(full_name=name) for name in ("Ann Early", "Bob Broken", "Cy Late")]
    for owner in owners:
        assign_perm("incidents.view_confidential_incident", owner, incident)  # as followup_create does
        FollowUpActionFactory(
            incident=incident,
            owner=owner,
            title=f"Task of {owner.full_name}",
            due_on=TODAY - datetime.timedelta(days=3),
        )
    broken = owners[1]
    real = followups.digest

    def digest_or_fail(*, items, **kwargs):
        if items[0].recipient.pk == broken.pk:
            raise RuntimeError("mail relay down")
        return real(items=items, **kwargs)

    monkeypatch.setattr(followups, "digest", digest_or_fail)
    with pytest.raises(RuntimeError, match="digests failed for 1 owner"):
        remind_overdue_actions(now=NOW)
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {owners[0].pk, owners[2].pk}
    lines = list(incident.events.filter(kind=EventKind.NOTIFICATION).values_list("text", flat=True))
    assert any("sent to Ann Early" in line for line in lines)
    assert any("sent to Cy Late" in line for line in lines)
    assert not any("Bob Broken" in line for line in lines)
    assert f"Overdue follow-up digest for user {broken.pk} failed" in caplog.text
    # The next tick, with the fault gone, sends the missing digest only.
    monkeypatch.undo()
    assert remind_overdue_actions(now=NOW) == 1
    assert Notification.objects.filter(recipient=broken).count() == 1
