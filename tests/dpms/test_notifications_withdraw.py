"""A notification whose task is settled is withdrawn: shown as done and no longer unread. The review reminders
when the campaign closes or the reviewer's items are all decided, a risk acceptance request when it is
decided, an incident's handling and escalations when it is closed."""

import datetime
import importlib

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from access.choices import Decision
from access.services.closing import campaign_close
from access.services.reviews import item_decide
from dpms import notify
from dpms.context_processors import portal
from dpms.models import Notification
from incidents.choices import Status
from incidents.services.workflow import incident_close, incident_set_handler
from risk.choices import RiskStatus
from risk.services.acceptances import acceptance_approve, acceptance_reject, acceptance_request
from risk.services.reviews import assessment_record, remind_due_reviews
from tests.access.closing_support import campaign_with_items
from tests.access.reminders_support import remind  # the tick, then its send tasks
from tests.dpms.api_support import api_client, token_for
from tests.factories import NotificationFactory, UserFactory
from tests.incidents.detail_support import incident_at
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


def open_notes(person):
    return Notification.objects.filter(recipient=person, done_at__isnull=True)


def unread(person):
    """The header's count."""
    request = RequestFactory().get("/")
    request.user = person
    return portal(request)["unread_count"]


def test_withdraw_marks_the_topics_open_notifications_done_and_read_in_one_update(
    staff, manager, django_assert_num_queries
):
    read_before = timezone.now() - datetime.timedelta(hours=1)
    mine = notify.notify(recipient=staff, subject="Review", topic="campaign:1", dedup_key="w:1")
    theirs = notify.notify(recipient=manager, subject="Review", topic="campaign:1", dedup_key="w:2")
    Notification.objects.filter(pk=theirs.pk).update(read_at=read_before)
    other = notify.notify(recipient=staff, subject="Other", topic="campaign:2", dedup_key="w:3")
    with django_assert_num_queries(1):
        assert notify.withdraw("campaign:1") == 2
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_done
    assert mine.is_read
    assert theirs.read_at == read_before  # read before: kept as it was
    assert list(open_notes(staff)) == [other]
    assert unread(staff) == 1


def test_withdraw_for_some_people_leaves_the_others_owing(staff, manager):
    for person in (staff, manager):
        notify.notify(recipient=person, subject="Review", topic="campaign:1", dedup_key=f"w:{person.pk}")
    assert notify.withdraw("campaign:1", recipients=[staff]) == 1
    assert not open_notes(staff).exists()
    assert open_notes(manager).count() == 1


def test_notifications_without_a_topic_are_never_withdrawn(client_for, staff):
    old = NotificationFactory(recipient=staff, subject="An old notice", topic="")
    with pytest.raises(ValueError, match="needs a topic"):
        notify.withdraw("")  # names nothing: it must not settle every notification without a topic
    notify.withdraw("campaign:1")
    old.refresh_from_db()
    assert not old.is_done
    response = client_for(staff).get(reverse("notifications"))
    assert "An old notice" in response.content.decode()


def test_notifications_written_before_are_given_their_topic_by_the_migration(staff):
    from django.apps import apps

    migration = importlib.import_module("dpms.migrations.0013_notification_topics_and_preferences")
    keys = [
        "access-reminder:12:launch:5",
        "incident-handler:3:triage-9:5",
        "escalation:3:1:ack:0:0:5",
        "welcome:5",
    ]
    for key in keys:
        NotificationFactory(recipient=staff, dedup_key=key)
    migration.name_topics(apps, None)
    topics = dict(Notification.objects.values_list("dedup_key", "topic"))
    assert topics == {
        "access-reminder:12:launch:5": "access.reviewcampaign:12",
        "incident-handler:3:triage-9:5": "incidents.incident:3",
        "escalation:3:1:ack:0:0:5": "incidents.incident:3",
        "welcome:5": "",
    }


def test_the_api_says_when_a_notification_was_withdrawn(staff):
    notify.notify(recipient=staff, subject="Review", topic="campaign:1", dedup_key="w:api")
    notify.withdraw("campaign:1")
    client = api_client(token_for(staff, read_only=True)[1])
    [listed] = client.get(reverse("api:notification-list")).json()["results"]
    assert listed["done_at"] is not None
    assert listed["read_at"] is not None
    assert client.get(reverse("api:notification-list"), {"read_at__isnull": "true"}).json()["results"] == []


def launched(reviewer, n):
    campaign = campaign_with_items(n, reviewer=reviewer)
    campaign.launched_at = timezone.now() - datetime.timedelta(hours=1)
    campaign.due_at = timezone.now() + datetime.timedelta(days=14)
    campaign.save()
    assert remind(now=timezone.now()) == 1  # "The review has started"
    return campaign


def test_the_review_has_started_is_done_once_the_reviewers_items_are_all_decided(manager, staff):
    campaign = launched(manager, 2)
    campaign_with_items(1, reviewer=staff, campaign=campaign)
    first, second = campaign.items.filter(reviewer=manager).order_by("pk")
    [started] = open_notes(manager)
    assert "The review has started" in started.subject

    item_decide(item=first, actor=manager, decision=Decision.KEEP, justification="Needed")
    assert open_notes(manager).exists()  # one item is still pending
    item_decide(item=second, actor=manager, decision=Decision.KEEP, justification="Needed")
    assert not open_notes(manager).exists()
    assert unread(manager) == 0


def test_closing_the_campaign_withdraws_every_reminder(manager, security_officer):
    campaign = launched(manager, 2)
    assert open_notes(manager).count() == 1
    campaign_close(campaign=campaign, actor=security_officer, now=timezone.now(), confirmed=True)
    started = Notification.objects.get(recipient=manager, subject__contains="The review has started")
    assert started.is_done
    assert unread(manager) == 0


def test_done_notifications_show_as_done_on_the_page(client_for, manager, security_officer):
    campaign = launched(manager, 1)
    campaign_close(campaign=campaign, actor=security_officer, now=timezone.now(), confirmed=True)
    page = client_for(manager).get(reverse("notifications")).content.decode()
    assert 'class="notification done"' in page
    assert "Done</span>" in page


def requested(owner, security_officer):
    risk = RiskFactory(owner=owner, current_likelihood=0, current_impact=0, status=RiskStatus.OPEN)
    expires = timezone.localdate() + datetime.timedelta(days=90)
    return acceptance_request(risk=risk, actor=owner, rationale="Cheap to live with", expires_on=expires)


def test_a_risk_acceptance_request_is_done_once_approved(staff, security_officer):
    acceptance = requested(staff, security_officer)
    assert open_notes(security_officer).filter(subject__startswith="Risk acceptance waiting").exists()
    acceptance_approve(acceptance=acceptance, actor=security_officer)
    assert not open_notes(security_officer).filter(subject__startswith="Risk acceptance waiting").exists()


def test_a_risk_acceptance_request_is_done_once_rejected(staff, security_officer):
    acceptance = requested(staff, security_officer)
    acceptance_reject(acceptance=acceptance, actor=security_officer, reason="Fix it instead")
    assert not open_notes(security_officer).filter(subject__startswith="Risk acceptance waiting").exists()


def test_risk_reviews_due_is_done_once_the_owner_reviewed_every_due_risk(staff):
    today = timezone.localdate()
    first = RiskFactory(
        owner=staff, status=RiskStatus.OPEN, next_review_on=today - datetime.timedelta(days=2)
    )
    second = RiskFactory(
        owner=staff, status=RiskStatus.OPEN, next_review_on=today + datetime.timedelta(days=3)
    )
    assert remind_due_reviews(now=timezone.now()) == 1
    [due] = open_notes(staff)
    assert due.subject == "Risk reviews due (2 items)"

    for risk, done in ((first, False), (second, True)):
        assessment_record(risk=risk, actor=staff, current_likelihood=0, current_impact=0)
        due.refresh_from_db()
        assert due.is_done is done  # one review still due: the reminder stays


def test_an_incident_assignment_is_done_once_the_incident_is_closed(staff, security_officer):
    handler = UserFactory(roles=["security officer"])
    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    incident_set_handler(actor=security_officer, incident=incident, handler=handler)
    [assignment] = open_notes(handler)
    assert assignment.subject.endswith("is yours to handle")

    incident_close(actor=handler, incident=incident, root_cause="Weak filter", lessons_learned="Train staff")

    assignment.refresh_from_db()
    assert assignment.is_done
    closed = Notification.objects.get(recipient=staff, subject__endswith="is closed")
    assert not closed.is_done  # the reporter's news is not a task: it stays to be read
