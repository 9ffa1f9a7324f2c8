"""Treatment actions: status updates, and overdue actions reminded to their owners in one digest a day."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent, Notification
from risk.choices import ActionStatus
from risk.services.actions import action_create, action_set_status, remind_overdue_actions, site_today
from tests.risk.factories import RiskFactory, TreatmentActionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


def at(day, hour=9):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def overdue(owner, title, days_late=3, **extra):
    return TreatmentActionFactory(
        risk=RiskFactory(owner=owner),
        owner=owner,
        title=title,
        due_on=TODAY - datetime.timedelta(days=days_late),
        **extra,
    )


def digests(person):
    return list(Notification.objects.filter(recipient=person).order_by("pk").values_list("body", flat=True))


def test_each_owner_gets_one_digest_listing_all_overdue_actions(staff, outsider):
    overdue(staff, "Patch the VPN")
    overdue(staff, "Rotate keys", status=ActionStatus.IN_PROGRESS)
    overdue(staff, "Done already", status=ActionStatus.DONE)
    overdue(staff, "Dropped", status=ActionStatus.CANCELLED)
    overdue(staff, "Not yet due", days_late=-2)
    overdue(outsider, "Train staff")
    assert remind_overdue_actions(now=at(TODAY)) == 2
    [body] = digests(staff)
    for listed in ("Patch the VPN", "Rotate keys"):
        assert listed in body
    for left_out in ("Done already", "Dropped", "Not yet due"):
        assert left_out not in body
    assert "Train staff" in digests(outsider)[0]


def test_overdue_digests_go_out_once_per_day(staff):
    overdue(staff, "Patch the VPN")
    assert remind_overdue_actions(now=at(TODAY)) == 1
    assert remind_overdue_actions(now=at(TODAY, hour=10)) == 0
    assert remind_overdue_actions(now=at(TODAY, hour=23)) == 0
    assert remind_overdue_actions(now=at(TODAY + datetime.timedelta(days=1))) == 1
    assert len(digests(staff)) == 2


def test_after_downtime_one_digest_is_sent_not_one_per_missed_day(staff):
    overdue(staff, "Patch the VPN", days_late=10)
    back_up = TODAY + datetime.timedelta(days=4)
    assert remind_overdue_actions(now=at(back_up)) == 1
    assert remind_overdue_actions(now=at(back_up, hour=12)) == 0
    assert len(digests(staff)) == 1


def test_a_done_action_is_no_longer_reminded(staff):
    action = overdue(staff, "Patch the VPN")
    action_set_status(action=action, actor=staff, status=ActionStatus.DONE, may_change_risk=False)
    assert remind_overdue_actions(now=at(TODAY)) == 0
    action.refresh_from_db()
    assert action.completed_at is not None
    assert AuditEvent.objects.get(action="risk.action.status").changes == {"status": ["open", "done"]}


def test_only_the_owner_or_an_editor_sets_the_status(staff, outsider):
    action = overdue(staff, "Patch the VPN")
    with pytest.raises(PermissionDenied):
        action_set_status(action=action, actor=outsider, status=ActionStatus.DONE, may_change_risk=False)
    action_set_status(action=action, actor=outsider, status=ActionStatus.IN_PROGRESS, may_change_risk=True)


def test_create_tells_a_new_owner_and_refuses_a_past_due_date(staff, security_officer, outsider):
    risk = RiskFactory(owner=staff)
    with pytest.raises(ValidationError, match="past"):
        action_create(
            risk=risk,
            actor=security_officer,
            title="x",
            owner=outsider,
            due_on=site_today() - datetime.timedelta(days=1),
        )
    action = action_create(
        risk=risk,
        actor=security_officer,
        title="Add MFA",
        owner=outsider,
        due_on=site_today() + datetime.timedelta(days=9),
    )
    assert action.status == ActionStatus.OPEN
    assert Notification.objects.filter(recipient=outsider, subject__contains="Add MFA").exists()
    assert AuditEvent.objects.filter(action="risk.action.create", object_id=str(action.pk)).exists()
