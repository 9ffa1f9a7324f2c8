"""The notifications page groups by day and shows times in the viewer's time zone; titles are real links."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dpms.models import Notification
from tests.access.closing_support import campaign_with_items
from tests.access.reminders_support import remind  # the tick, then its send tasks
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC

# Three moments around midnight: in Berlin (UTC+1) the first two are on 1 Dec and the last on 30 Nov;
# in Los Angeles (UTC-8) all three are still on 30 Nov.
MOMENTS = [
    datetime.datetime(2026, 12, 1, 6, 0, tzinfo=UTC),  # Berlin 07:00 1 Dec; LA 22:00 30 Nov
    datetime.datetime(2026, 11, 30, 23, 30, tzinfo=UTC),  # Berlin 00:30 1 Dec; LA 15:30 30 Nov
    datetime.datetime(2026, 11, 30, 22, 30, tzinfo=UTC),  # Berlin 23:30 30 Nov; LA 14:30 30 Nov
]


def days_and_times(page: str) -> list[tuple[str, list[str]]]:
    """The page's day headings, each with the times of its notifications, top to bottom."""
    days = []
    for section in page.split('<section class="notification-day"')[1:]:
        heading = re.search(r'<h3 class="notification-day-title"><time[^>]*>([^<]+)</time>', section)[1]
        times = re.findall(r'<time datetime="[^"]+T[^"]+">([^<]+)</time>', section)
        days.append((heading, times))
    return days


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Berlin", [("1 Dec 2026", ["07:00", "00:30"]), ("30 Nov 2026", ["23:30"])]),
        ("America/Los_Angeles", [("30 Nov 2026", ["22:00", "15:30", "14:30"])]),
    ],
)
def test_days_and_times_are_the_viewers(client_for, staff, zone, expected):
    staff.time_zone = zone
    staff.save(update_fields=["time_zone"])
    for moment in MOMENTS:
        NotificationFactory(recipient=staff, created_at=moment)
    page = client_for(staff).get(reverse("notifications")).content.decode()
    assert days_and_times(page) == expected
    assert f"Times are in your time zone ({zone})" in page


def test_today_and_yesterday_are_named(client_for, staff):
    now = timezone.now()
    NotificationFactory(recipient=staff, created_at=now)
    NotificationFactory(recipient=staff, created_at=now - datetime.timedelta(days=1))
    NotificationFactory(recipient=staff, created_at=now - datetime.timedelta(days=3))
    page = client_for(staff).get(reverse("notifications")).content.decode()
    headings = [heading for heading, _ in days_and_times(page)]
    three_days_ago = timezone.localtime(now - datetime.timedelta(days=3))
    assert headings == ["Today", "Yesterday", f"{three_days_ago.day} {three_days_ago:%b %Y}"]


def test_a_title_is_a_real_link_and_the_body_short_without_addresses(client_for, staff, settings):
    body = "Please review these by Friday.\n\n" + "\n".join(
        f"- Person {n}: Payroll · editor ({settings.SITE_URL}/access/reviews/)" for n in range(30)
    )
    note = NotificationFactory(recipient=staff, subject="Access review", body=body, link="/access/reviews/")
    page = client_for(staff).get(reverse("notifications")).content.decode()
    open_url = reverse("notification_open", args=[note.pk])
    assert f'<a class="notification-title" href="{open_url}">Access review</a>' in page
    preview = re.search(r'<p class="notification-body[^"]*">([^<]*)</p>', page)[1]
    assert preview.startswith("Please review these by Friday. · Person 0: Payroll · editor · Person 1")
    assert len(preview) <= 160
    assert "http" not in preview
    assert "<form" not in page.split('<ul class="notifications">')[1]  # no button to open a notification


def test_an_absolute_link_to_this_portal_is_followed_as_its_path(client_for, staff, settings):
    note = NotificationFactory(recipient=staff, link=f"{settings.SITE_URL}/risks/")
    response = client_for(staff).get(reverse("notification_open", args=[note.pk]))
    assert response.url == "/risks/"


@pytest.mark.parametrize("link", ["/\\evil.example/", "https://evil.example/", "http://127.0.0.1:9/x/"])
def test_opening_by_link_never_leaves_the_portal(client_for, staff, link):
    note = NotificationFactory(recipient=staff, link=link)
    response = client_for(staff).get(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 200  # the notification's own page, in the portal
    assert "evil.example" not in response.content.decode()
    assert "127.0.0.1:9" not in response.content.decode()


def page_queries(client, count, staff):
    start = timezone.now()
    Notification.objects.filter(recipient=staff).delete()
    for n in range(count):  # spread over many days: many groups
        NotificationFactory(recipient=staff, created_at=start - datetime.timedelta(hours=7 * n))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("notifications"))
    assert response.content.decode().count('data-testid="notification"') == min(count, 25)
    return [query["sql"] for query in queries.captured_queries]


def test_the_grouped_page_costs_the_same_queries_at_any_size(client_for, staff):
    client = client_for(staff)
    client.get(reverse("notifications"))  # a session's first request also records it (allauth usersessions)
    few, many = page_queries(client, 3, staff), page_queries(client, 80, staff)
    assert len(few) == len(many)
    # Of the notifications themselves: the paginator's count, the header's unread count, one page of rows.
    # (The rest, the session, the person and the navigation, is pinned in test_notifications.py.)
    about_notifications = [sql for sql in many if '"dpms_notification"' in sql.split(" WHERE ")[0]]
    assert len(about_notifications) == 3


def test_a_review_reminder_gives_the_deadline_in_the_reviewers_zone(staff):
    staff.time_zone = "America/Los_Angeles"
    staff.save(update_fields=["time_zone"])
    campaign = campaign_with_items(1, reviewer=staff)
    campaign.launched_at = timezone.now() - datetime.timedelta(hours=1)
    campaign.due_at = datetime.datetime(2026, 12, 22, 6, 30, tzinfo=UTC)  # 21 Dec, 22:30 in Los Angeles
    campaign.save()
    remind(now=timezone.now())
    note = Notification.objects.get(recipient=staff)
    assert "by 21 Dec 2026, 22:30 PST in your review queue" in note.body
    assert "UTC" not in note.body
