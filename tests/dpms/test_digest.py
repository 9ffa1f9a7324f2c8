"""Digests: one message per person listing everything they owe, once per occasion."""

import pytest
from django.core import mail
from django.db import transaction

from dpms.models import Notification, OutboxEmail, OutboxStatus
from dpms.notify import DigestItem, digest
from tests.dpms.outbox_support import wait_until

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
