"""Notifications, digests and e-mails in each recipient's language: one call, each reader their own words,
dates written as their language writes them; whoever has chosen none reads the installation's language."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from dpms import notify
from dpms.models import Notification, OutboxEmail, OutboxStatus
from tests.dpms.outbox_support import wait_until

MOMENT = datetime.datetime(2026, 12, 7, 13, 5, tzinfo=datetime.UTC)


def german(person):
    person.language = "de"
    person.save(update_fields=["language"])
    return person


def send_digest(people):
    text = gettext_lazy("Account security")
    items = [notify.DigestItem(person, text, "/x/") for person in people for _ in "ab"]
    with transaction.atomic():
        return notify.digest(
            items=items,
            subject=gettext_lazy("Access reviews"),
            intro=lambda person: notify.local_time(MOMENT, person),
            dedup_prefix="test-digest:1",
        )


def test_one_digest_reaches_each_reader_in_their_language_through_the_outbox(celery_worker, staff, manager):
    german(staff)
    assert send_digest([staff, manager]) == 2
    assert wait_until(lambda: OutboxEmail.objects.filter(status=OutboxStatus.SENT).count() == 2)
    sent = {message.to[0]: message for message in mail.outbox}
    to_german, to_english = sent[staff.email], sent[manager.email]
    assert to_german.subject == "Zugriffsrezertifizierungen (2 Einträge)"
    assert to_german.body.startswith("7.12.2026 14:05 CET\n\n- Kontosicherheit")
    assert to_english.subject == "Access reviews (2 items)"
    assert to_english.body.startswith("7 Dec 2026, 14:05 CET\n\n- Account security")


@pytest.mark.django_db
def test_the_notification_in_the_app_is_kept_in_its_readers_language(staff, manager):
    german(staff)
    send_digest([staff, manager])
    assert Notification.objects.get(recipient=staff).subject == "Zugriffsrezertifizierungen (2 Einträge)"
    assert Notification.objects.get(recipient=manager).subject == "Access reviews (2 items)"


@pytest.mark.django_db
def test_the_senders_language_does_not_leak_into_the_message(staff):
    # A German officer's request triggers a notice to an English reader: the reader's language wins.
    with translation.override("de"), transaction.atomic():
        notify.notify(recipient=staff, subject=gettext_lazy("Other notices"), body=gettext_lazy("Risks"))
    note = Notification.objects.get(recipient=staff)
    assert (note.subject, note.body) == ("Other notices", "Risks")
    email = OutboxEmail.objects.get(recipient=staff)
    assert (email.subject, email.body) == ("Other notices", "Risks")


@pytest.mark.django_db
def test_each_once_and_many_write_each_in_its_language(staff, manager, second_report):
    german(staff)
    subject = format_lazy("{kind}: {what}", kind=gettext_lazy("Incidents"), what=gettext_lazy("Risks"))
    with transaction.atomic():
        notify.notify_each_once([staff, manager], subject=subject, dedup_key="test-once")
        notify.notify_many(
            [
                notify.Message(second_report, gettext_lazy("Vulnerabilities"), "", "", "test-many:1"),
                notify.Message(german(manager), gettext_lazy("Vulnerabilities"), "", "", "test-many:2"),
            ]
        )
    subjects = {(note.recipient_id, note.subject) for note in Notification.objects.all()}
    assert subjects == {
        (staff.pk, "Vorfälle: Risiken"),
        (manager.pk, "Incidents: Risks"),
        (second_report.pk, "Vulnerabilities"),
        (manager.pk, "Schwachstellen"),
    }


@pytest.mark.django_db
def test_local_time_follows_the_readers_language_and_zone(staff):
    assert notify.local_time(MOMENT, staff) == "7 Dec 2026, 14:05 CET"
    staff.language, staff.time_zone = "de", "America/New_York"
    assert notify.local_time(MOMENT, staff) == "7.12.2026 08:05 EST"


@pytest.mark.django_db
def test_a_digest_too_long_says_how_many_more_in_the_readers_language(staff, monkeypatch):
    monkeypatch.setattr(notify, "DIGEST_MAX_ITEMS", 1)
    german(staff)
    send_digest([staff])
    body = Notification.objects.get(recipient=staff).body
    assert "- … und 1 weitere: " in body
