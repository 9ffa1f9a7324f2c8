"""What a reminder digest says, word for word, whose items it lists, and what the first tick costs."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.utils import timezone

from access.models import ReviewItem
from access.services.reminders import send_due_reminders
from dpms.models import Notification, OutboxEmail
from tests.access.closing_support import campaign_with_items
from tests.access.reminders_support import remind, run_claimed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LAUNCH = timezone.now().replace(microsecond=0) - datetime.timedelta(days=30)
QUEUE = f"{settings.SITE_URL}/access/reviews/"


def berlin(moment):
    """A deadline as a reviewer without a time zone of their own reads it: the installation's (Berlin)."""
    local = moment.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    return f"{local.day} {local:%b %Y, %H:%M %Z}"


def campaign(reviewer, n, **kwargs):
    c = campaign_with_items(n, reviewer=reviewer, reminder_days_before_due=[3, 1], **kwargs)
    c.launched_at, c.due_at = LAUNCH, LAUNCH + datetime.timedelta(days=14)
    c.save()
    return c


def lines(items):
    """The digest's lines for ``items``, in the order a digest lists them."""
    ordered = sorted(items, key=lambda i: (i.holder_label, i.system_name, i.role_name, i.pk))
    return [f"- {i.holder_label}: {i.system_name} · {i.role_name} ({QUEUE})" for i in ordered]


def test_a_reminder_digest_reads_word_for_word(manager):
    c = campaign(manager, n=3)
    assert remind(now=LAUNCH) == 1
    note = Notification.objects.get(recipient=manager)
    assert note.subject == f"Access review “{c.name}”: The review has started (3 items)"
    assert note.body == "\n".join(
        [
            f"Please review these access rights by {berlin(c.due_at)} in your review queue.",
            "",
            *lines(c.items.all()),
        ]
    )
    assert note.link == "/access/reviews/"  # in the app the title opens the queue; the email's lines link it
    email = OutboxEmail.objects.get(recipient=manager)
    assert (email.to, email.subject, email.body) == (manager.email, note.subject, note.body)


def test_a_digest_of_one_item_links_to_the_queue(manager):
    campaign(manager, n=1)
    remind(now=LAUNCH)
    note = Notification.objects.get(recipient=manager)
    assert note.subject.endswith("(1 item)")
    assert note.link == "/access/reviews/"
    assert OutboxEmail.objects.get(recipient=manager).body == f"{note.body}\n\n{QUEUE}"


def test_items_escalated_to_a_manager_follow_their_own_in_one_digest(manager, staff):
    c = campaign(manager, n=2)
    campaign_with_items(3, reviewer=staff, campaign=c)
    escalated = list(ReviewItem.objects.filter(reviewer=staff).order_by("pk")[:2])
    ReviewItem.objects.filter(pk__in=[i.pk for i in escalated]).update(
        escalated_to=manager, escalation_level=1
    )
    assert remind(now=LAUNCH) == 2
    to_manager = Notification.objects.get(recipient=manager)
    assert to_manager.subject.endswith("(4 items)")
    assert to_manager.body.split("\n\n", 1)[1].splitlines() == [
        *lines(ReviewItem.objects.filter(reviewer=manager)),
        *lines(escalated),
    ]
    assert Notification.objects.get(recipient=staff).subject.endswith("(3 items)")  # still their reviewer


def test_the_fifty_listed_count_items_escalated_to_the_person_too(manager, staff):
    c = campaign(manager, n=45)
    campaign_with_items(10, reviewer=staff, campaign=c)
    ReviewItem.objects.filter(reviewer=staff).update(escalated_to=manager, escalation_level=1)
    remind(now=LAUNCH)
    body = Notification.objects.get(recipient=manager).body
    assert body.count(" · ") == 50  # 45 of their own, then the first 5 escalated to them
    assert body.rstrip().splitlines()[-1] == f"- … and 5 more: {QUEUE}"


@pytest.mark.parametrize("reviewers", [2, 30])
def test_the_first_tick_costs_the_same_queries_whatever_the_number_of_reviewers(
    reviewers, django_assert_num_queries
):
    c = campaign(UserFactory(), n=3)
    for _ in range(reviewers - 1):
        campaign_with_items(3, reviewer=UserFactory(), campaign=c)
    # The open campaigns (1); per campaign: its savepoint (2), locking it (1), claiming the reviewers due (1,
    # INSERT … SELECT), dropping claims of earlier steps (1). No item is read: the workers write the digests.
    with django_assert_num_queries(6):
        assert send_due_reminders(now=LAUNCH) == reviewers
    assert not OutboxEmail.objects.exists()


@pytest.mark.parametrize("reviewers", [2, 30])
def test_a_send_task_costs_the_same_queries_whatever_the_number_of_reviewers(
    reviewers, django_assert_num_queries
):
    c = campaign(UserFactory(), n=3)
    for _ in range(reviewers - 1):
        campaign_with_items(3, reviewer=UserFactory(), campaign=c)
    send_due_reminders(now=LAUNCH)
    # The claims held, standing in for the tasks' arguments (1); the task: its savepoint (2), the campaign
    # (1), locking its claims (1), the reviewers' first items with their counts as reviewer (1) and as the
    # person items were escalated to (1), the reviewers (1); the digests: the keys used before (1), in a
    # savepoint (2), the notifications (1), who takes review reminders in the app only (1) and the emails
    # (1); the claims deleted (1).
    with django_assert_num_queries(15):
        assert run_claimed(LAUNCH) == reviewers
    assert OutboxEmail.objects.count() == reviewers
