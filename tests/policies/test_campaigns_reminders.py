"""Reminders: one digest per person per step, listing every policy they owe; escalation to the manager,
then to the security officers, each once."""

import datetime

import pytest
from django.utils import timezone

from dpms import notify
from dpms.models import AuditEvent, Notification, OutboxEmail
from policies.choices import AssignmentStatus
from policies.models import Assignment
from policies.services.campaigns import campaign_launch, escalate_overdue, send_due_reminders
from tests.factories import UserFactory
from tests.policies.campaigns_support import LONG_AGO, policy_in_force

pytestmark = pytest.mark.django_db
LAUNCH = timezone.now().replace(microsecond=0) - datetime.timedelta(days=60)
DUE = LAUNCH + datetime.timedelta(days=14)


def launched(officer, **kwargs):
    policy = policy_in_force(reminder_days_before_due=[3], **kwargs)
    return campaign_launch(actor=officer, policy=policy, now=LAUNCH, due_at=DUE)


def reminders(person):
    return Notification.objects.filter(recipient=person, dedup_key__startswith="policy-reminder:")


def test_reminders_once_per_step(security_officer, staff, manager):
    campaign = launched(security_officer)
    Assignment.objects.filter(campaign=campaign, person=manager).update(status=AssignmentStatus.DONE)
    at = LAUNCH + datetime.timedelta(hours=1)
    assert send_due_reminders(now=at) == campaign.assignments.filter(status="pending").count()
    assert send_due_reminders(now=at) == 0  # the tick runs again: nobody hears twice
    assert reminders(staff).count() == 1
    assert reminders(manager).count() == 0  # done already
    note = reminders(staff).get()
    assert note.dedup_key == f"policy-reminder:{campaign.pk}:launch:{staff.pk}"
    assert note.link == "/policies/mine/"
    assert campaign.policy.title in note.subject
    send_due_reminders(now=DUE - datetime.timedelta(days=2))  # three days before due
    send_due_reminders(now=DUE - datetime.timedelta(days=1))
    assert reminders(staff).count() == 2


def test_after_downtime_one_reminder_for_the_latest_step(security_officer, staff):
    campaign = launched(security_officer)
    send_due_reminders(now=DUE + datetime.timedelta(days=2, hours=1))
    assert list(reminders(staff).values_list("dedup_key", flat=True)) == [
        f"policy-reminder:{campaign.pk}:overdue-2:{staff.pk}"
    ]


def test_a_digest_lists_every_policy_the_person_owes(security_officer, staff):
    first = launched(security_officer, title="Acceptable use")
    launched(security_officer, title="Clean desk")
    send_due_reminders(now=LAUNCH + datetime.timedelta(hours=1))
    notes = reminders(staff)
    assert notes.count() == 2  # one per campaign's step
    mine = notes.get(dedup_key__startswith=f"policy-reminder:{first.pk}:")
    assert "Acceptable use (version 1)" in mine.body
    assert "Clean desk (version 1)" in mine.body


def escalations(level):
    return Notification.objects.filter(
        dedup_key__startswith="policy-escalation:", dedup_key__contains=f":L{level}"
    )


def test_escalation_goes_to_the_manager_then_to_the_officers_each_once(security_officer, staff, manager):
    campaign = launched(security_officer)
    Assignment.objects.filter(campaign=campaign).exclude(person=staff).update(status=AssignmentStatus.DONE)
    assert escalate_overdue(now=DUE + datetime.timedelta(days=2)) == 0  # 3 overdue days per level
    assert escalate_overdue(now=DUE + datetime.timedelta(days=3)) == 1
    assert escalate_overdue(now=DUE + datetime.timedelta(days=4)) == 0
    row = campaign.assignments.get(person=staff)
    assert (row.escalation_level, row.escalated_to) == (1, manager)
    to_manager = escalations(1).get()
    assert to_manager.recipient == manager
    assert "Sam Staff" in to_manager.body
    assert not escalations(2).exists()  # the officers come second

    assert escalate_overdue(now=DUE + datetime.timedelta(days=6)) == 1
    assert escalate_overdue(now=DUE + datetime.timedelta(days=9)) == 0
    assert campaign.assignments.get(person=staff).escalation_level == 2
    assert list(escalations(2).values_list("recipient", flat=True)) == [security_officer.pk]
    assert escalations(1).count() == 1
    events = AuditEvent.objects.filter(action="policy.assignment.escalate").order_by("pk")
    assert [e.changes["escalation_level"] for e in events] == [[0, 1], [1, 2]]


def test_without_a_manager_the_officers_hear_at_the_first_level(security_officer):
    loner = UserFactory(date_joined=LONG_AGO)
    campaign = launched(security_officer)
    Assignment.objects.filter(campaign=campaign).exclude(person=loner).update(status=AssignmentStatus.DONE)
    escalate_overdue(now=DUE + datetime.timedelta(days=3))
    assert campaign.assignments.get(person=loner).escalation_level == 2
    assert escalations(2).count() == 1


def test_after_downtime_past_both_levels_straight_to_the_officers(security_officer, staff, manager):
    campaign = launched(security_officer)
    Assignment.objects.filter(campaign=campaign).exclude(person=staff).update(status=AssignmentStatus.DONE)
    escalate_overdue(now=DUE + datetime.timedelta(days=30))
    assert campaign.assignments.get(person=staff).escalation_level == 2
    assert not escalations(1).exists()
    assert escalations(2).count() == 1


def test_no_escalation_when_turned_off(security_officer, staff):
    campaign = launched(security_officer, escalate_after_overdue_days=0)
    assert escalate_overdue(now=DUE + datetime.timedelta(days=30)) == 0
    assert campaign.assignments.filter(escalation_level__gt=0).count() == 0


def test_a_reminder_is_written_in_its_readers_language(security_officer, staff):
    staff.language = "de"
    staff.save(update_fields=["language"])
    campaign = launched(security_officer, title="Clean desk")
    send_due_reminders(now=LAUNCH + datetime.timedelta(hours=1))
    note = reminders(staff).get()
    assert note.subject.startswith("Richtlinie „Clean desk“: bitte zur Kenntnis nehmen (")
    assert "Clean desk (Fassung 1), fällig am" in note.body
    assert "Meine Richtlinien" in note.body
    english = reminders(security_officer).get()
    assert english.subject.startswith(f"Policy “{campaign.policy.title}”: please acknowledge")


def test_policy_reminders_are_a_kind_one_may_take_in_the_app_only(security_officer, staff, manager):
    notify.preferences_set(user=staff, emailed={"policies": False})
    launched(security_officer)
    send_due_reminders(now=LAUNCH + datetime.timedelta(hours=1))
    assert reminders(staff).count() == 1  # in the app
    assert not OutboxEmail.objects.filter(recipient=staff).exists()
    assert OutboxEmail.objects.filter(recipient=manager).exists()  # the others are e-mailed too
    assert notify.kind_of(f"policy-escalation:1:L1:{manager.pk}").security  # escalations always e-mailed


def test_a_days_left_step_is_named_in_the_readers_language_when_read():
    """The label is made once for a digest sent to people of several languages: each reads it in theirs."""
    from django.utils import translation

    from dpms.campaigns import BEFORE_DUE, ReminderStep
    from policies.services.campaigns import step_label

    with translation.override("en"):
        label = step_label(ReminderStep(key="before-3", at=timezone.now(), kind=BEFORE_DUE, days=3))
    with translation.override("de"):
        assert str(label) == "noch 3 Tage"
    with translation.override("en"):
        assert str(label) == "3 days left"
