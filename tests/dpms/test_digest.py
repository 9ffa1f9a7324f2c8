"""Digests: one message per person listing everything they owe, once per occasion."""

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction

from dpms.models import Notification, OutboxEmail, OutboxStatus
from dpms.notify import Digest, DigestItem, Message, digest, digest_each, notify, notify_many
from tests.dpms.outbox_support import wait_until
from tests.factories import UserFactory

OCCASION = "access-reminders:2026-11-28"


@pytest.fixture
def owed(staff, manager):
    return [
        DigestItem(staff, "Review Payroll: Sam's admin role", "/access/items/1/"),
        DigestItem(manager, "Review CRM: Rita's editor role", "/access/items/2/"),
        DigestItem(staff, "Review Wiki: Sam's reader role", "/access/items/3/"),
    ]


def remind(items, occasion=OCCASION):
    with transaction.atomic():
        return digest(
            items=items, subject="Access reviews due", intro="Please decide:", dedup_prefix=occasion
        )


def test_digest_sends_one_email_per_person_listing_all_their_items(
    celery_worker, owed, staff, manager, settings
):
    assert remind(owed) == 2
    assert wait_until(lambda: OutboxEmail.objects.filter(status=OutboxStatus.SENT).count() == 2)
    by_person = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_person) == sorted([staff.email, manager.email])
    to_sam = by_person[staff.email]
    assert to_sam.subject == "Access reviews due (2 items)"
    assert "Review Payroll: Sam's admin role" in to_sam.body
    assert "Review Wiki: Sam's reader role" in to_sam.body
    assert f"{settings.SITE_URL}/access/items/3/" in to_sam.body
    assert "CRM" not in to_sam.body
    assert by_person[manager.email].subject == "Access reviews due (1 item)"


@pytest.mark.django_db
def test_running_a_digest_twice_for_one_occasion_sends_nothing_more(owed):
    remind(owed)
    assert remind(owed) == 0
    assert remind(owed[:1]) == 0  # a later run that finds fewer items: still the same occasion
    assert Notification.objects.count() == 2
    assert OutboxEmail.objects.count() == 2


@pytest.mark.django_db
def test_next_occasion_sends_a_new_digest(owed):
    remind(owed)
    assert remind(owed, occasion="access-reminders:2026-11-29") == 2
    assert OutboxEmail.objects.count() == 4


@pytest.mark.django_db
def test_in_app_digest_mirrors_the_email_and_links_to_a_single_item(owed, manager):
    remind(owed)
    note = Notification.objects.get(recipient=manager)
    assert note.subject == "Access reviews due (1 item)"
    assert note.link == "/access/items/2/"
    assert "Review CRM: Rita's editor role" in note.body


@pytest.mark.django_db
@pytest.mark.parametrize("people", [3, 30])
def test_a_digest_to_many_people_costs_the_same_few_queries(people, django_assert_num_queries):
    items = [
        DigestItem(person, "Review Payroll", "/access/reviews/")
        for person in UserFactory.create_batch(people)
    ]
    # The caller's transaction (a savepoint here: 2); the keys used before (1); in a savepoint of its own (2):
    # the notifications (1) and their emails (1).
    with django_assert_num_queries(7):
        assert remind(items) == people
    assert OutboxEmail.objects.count() == people
    assert remind(items) == 0  # the same occasion again: nothing new


@pytest.mark.django_db
def test_notify_many_passes_over_keys_used_before_and_repeats_within_a_batch(staff, manager):
    notify(recipient=staff, subject="Earlier", dedup_key="occasion:1")
    messages = [
        Message(recipient=staff, subject="Again", body="", link="", dedup_key="occasion:1"),
        Message(recipient=manager, subject="New", body="", link="/x/", dedup_key="occasion:2"),
        Message(recipient=manager, subject="New twice", body="", link="/x/", dedup_key="occasion:2"),
    ]
    with transaction.atomic():
        assert notify_many(messages) == 1  # the repeat makes the batch fall back to one by one
    assert Notification.objects.get(dedup_key="occasion:2").subject == "New"
    assert Notification.objects.filter(dedup_key="occasion:1").get().subject == "Earlier"
    assert OutboxEmail.objects.filter(recipient=manager).count() == 1


@pytest.mark.django_db
def test_digests_read_already_grouped_say_word_for_word_what_items_would(staff, manager):
    link = "/access/reviews/"
    texts = [f"Review Payroll: role {n:02}" for n in range(53)]
    remind([*(DigestItem(staff, text, link) for text in texts), DigestItem(manager, "Review CRM", link)])
    with transaction.atomic():
        grouped = [
            Digest(staff, texts[:50], total=53, link=link),
            Digest(manager, ["Review CRM"], total=1, link=link),
        ]
        assert (
            digest_each(grouped, subject="Access reviews due", intro="Please decide:", dedup_prefix="grouped")
            == 2
        )

    def written(prefix):
        notes = Notification.objects.filter(dedup_key__startswith=prefix)
        return {
            note.recipient_id: (
                note.subject,
                note.body,
                note.link,
                OutboxEmail.objects.get(dedup_key=f"notification:{note.pk}").body,
            )
            for note in notes
        }

    assert written("grouped:") == written(f"{OCCASION}:")
    assert written("grouped:")[staff.pk][1].endswith(f"- … and 3 more: {settings.SITE_URL}{link}")


@pytest.mark.django_db
def test_notify_many_stores_awkward_text_exactly_and_links_each_email_to_its_notification(staff, manager):
    # On PostgreSQL the rows go through COPY, whose text format escapes tabs, line breaks and backslashes.
    body = "Tab\there, a backslash \\ and a \\N, lines\r\nand more: € ✓"
    messages = [
        Message(recipient=staff, subject="Odd\ttext \\", body=body, link="/x/", dedup_key="odd:1"),
        Message(recipient=manager, subject="Plain", body="", link="", dedup_key="odd:2"),
    ]
    with transaction.atomic():
        assert notify_many(messages) == 2
    note = Notification.objects.get(dedup_key="odd:1")
    assert (note.recipient, note.subject, note.body, note.link, note.read_at) == (
        staff,
        "Odd\ttext \\",
        body,
        "/x/",
        None,
    )
    email = OutboxEmail.objects.get(dedup_key=f"notification:{note.pk}")
    assert (email.recipient, email.to, email.subject) == (staff, staff.email, "Odd text \\")
    assert email.body == f"{body}\n\n{settings.SITE_URL}/x/"
    assert (email.status, email.attempts, email.claimed_at) == (OutboxStatus.PENDING, 0, None)
    other = Notification.objects.get(dedup_key="odd:2")
    assert OutboxEmail.objects.get(dedup_key=f"notification:{other.pk}").recipient == manager
