"""Notification settings: per kind, email and in the app or in the app only; security notices always emailed;
an opted-out digest still shows in the app, and the outbox still never sends twice nor loses a message."""

import pytest
from django.db import transaction
from django.urls import reverse

from dpms import notify
from dpms.models import AuditEvent, Notification, NotificationPreference, OutboxEmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "notification_preferences"


def in_app_only(person, kind):
    NotificationPreference.objects.create(user=person, kind=kind, email=False)


def remind(people, occasion="access-reminder:7:launch"):
    """A review-reminder digest (kind "access-reviews") to each of ``people``."""
    items = [
        notify.DigestItem(person, "Review Payroll: Rita · editor", "/access/reviews/") for person in people
    ]
    return notify.digest(items=items, subject="Access review", intro="Please review:", dedup_prefix=occasion)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_page_offers_each_kind_and_says_which_are_always_emailed(client_for, staff):
    page = client_for(staff).get(reverse(URL)).content.decode()
    for kind in notify.KINDS:
        assert str(kind.label) in page
    assert 'name="access-reviews"' in page
    assert 'name="security"' not in page  # no choice offered
    assert 'name="escalations"' not in page
    assert "These always come by email as well" in page


def test_choosing_in_the_app_only_is_kept_and_audited(client_for, staff):
    choices = {kind.key: "email" for kind in notify.KINDS if not kind.security} | {"access-reviews": "app"}
    response = client_for(staff).post(reverse(URL), choices)
    assert response.status_code == 302
    assert notify.email_choices(staff)["access-reviews"] is False
    assert notify.email_choices(staff)["risks"] is True
    event = AuditEvent.objects.get(action="notifications.preferences_changed")
    assert event.changes == {"access-reviews": [True, False]}
    shown = client_for(staff).get(reverse(URL)).context["form"]
    assert shown["access-reviews"].value() == "app"
    assert shown["risks"].value() == "email"


def test_a_security_kind_cannot_be_turned_off_email(staff):
    with pytest.raises(ValueError, match="Not a kind of notification one may choose"):
        notify.preferences_set(user=staff, emailed={"security": False})
    # Even a row written past the service (an old or hand-made one) does not stop the email.
    in_app_only(staff, "security")
    in_app_only(staff, "escalations")
    notify.notify(recipient=staff, subject="Break-glass sign-in", dedup_key=f"break-glass:1:{staff.pk}")
    notify.notify(
        recipient=staff, subject="Escalation: INC-1", dedup_key=f"escalation:1:0:ack:0:0:{staff.pk}"
    )
    notify.notify(recipient=staff, subject="A second factor was removed")  # no key: an account notice
    assert OutboxEmail.objects.filter(recipient=staff).count() == 3


def test_an_opted_out_digest_is_not_emailed_but_shows_in_the_app(staff, manager):
    in_app_only(staff, "access-reviews")
    assert remind([staff, manager]) == 2
    assert Notification.objects.filter(recipient=staff, subject__startswith="Access review").count() == 1
    assert not OutboxEmail.objects.filter(recipient=staff).exists()
    assert OutboxEmail.objects.filter(recipient=manager).count() == 1
    # Other kinds still come by email.
    notify.notify(recipient=staff, subject="Risk action for you", dedup_key=f"risk-action:1:new:{staff.pk}")
    assert OutboxEmail.objects.filter(recipient=staff).count() == 1


def test_the_outbox_rules_hold_with_preferences_never_twice_never_lost(staff, manager):
    in_app_only(staff, "access-reviews")
    remind([staff, manager])
    assert remind([staff, manager]) == 0  # the same occasion again: nothing new, for either
    assert Notification.objects.count() == 2
    assert OutboxEmail.objects.count() == 1
    # Opting in again does not resend what was only shown in the app; the next occasion is emailed.
    notify.preferences_set(user=staff, emailed={"access-reviews": True})
    assert remind([staff, manager]) == 0
    assert remind([staff, manager], occasion="access-reminder:7:due-soon") == 2
    assert OutboxEmail.objects.filter(recipient=staff).count() == 1
    assert OutboxEmail.objects.filter(recipient=manager).count() == 2


def test_preferences_of_many_people_cost_one_query_per_batch(django_assert_num_queries):
    people = UserFactory.create_batch(20)
    for person in people[::2]:
        in_app_only(person, "access-reviews")
    # As a tick calls it, inside its transaction (a savepoint here: 2); the keys used before (1); in a
    # savepoint of its own (2): the notifications (1), who takes it in the app only (1), the emails (1).
    with django_assert_num_queries(8), transaction.atomic():
        assert remind(people) == 20
    assert OutboxEmail.objects.count() == 10


def test_a_kind_is_named_by_its_key(staff):
    assert notify.kind_of("access-reminder:3:launch:9").key == "access-reviews"
    assert notify.kind_of("access-revocation-escalation:4:L1:9").key == "escalations"  # the longest prefix
    assert notify.kind_of("access-revocation-overdue:2026-12-01:9").key == "access-revocations"
    assert notify.kind_of("incident-handler:5:x:9").key == "incidents"
    assert notify.kind_of("incident:5:breach-clock:24h:aware-x:9").key == "escalations"  # a breach clock
    assert notify.kind_of(None).security
    assert notify.kind_of("something-new:1").security  # unknown: emailed, never silently dropped
