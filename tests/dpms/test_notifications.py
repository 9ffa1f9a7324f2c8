"""In-app notifications: notify() once per key, the header count, the list, opening one, marking all read."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from dpms import notify
from dpms.context_processors import portal
from dpms.models import Notification, OutboxEmail
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_notify_twice_with_one_dedup_key_creates_one_notification_and_one_email(staff, settings):
    first = notify.notify(
        recipient=staff, subject="Review due", body="3 items", link="/dashboard/", dedup_key="k"
    )
    again = notify.notify(
        recipient=staff, subject="Review due", body="3 items", link="/dashboard/", dedup_key="k"
    )
    assert again is None
    assert list(Notification.objects.values_list("pk", flat=True)) == [first.pk]
    [message] = OutboxEmail.objects.all()
    assert (message.to, message.subject) == (staff.email, "Review due")
    assert f"{settings.SITE_URL}/dashboard/" in message.body


def test_notify_without_email_writes_no_outbox_row(staff):
    notify.notify(recipient=staff, subject="FYI", send_email=False)
    assert Notification.objects.filter(recipient=staff).count() == 1
    assert not OutboxEmail.objects.exists()


def test_deactivated_person_gets_no_email(staff):
    staff.is_active = False
    staff.save()
    notify.notify(recipient=staff, subject="Too late")
    assert not OutboxEmail.objects.exists()


def test_the_header_costs_two_queries_the_unread_count_and_the_roles(staff, django_assert_num_queries):
    NotificationFactory.create_batch(3, recipient=staff)
    NotificationFactory(recipient=staff, read_at=timezone.now())
    request = RequestFactory().get("/")
    request.user = staff
    # 1 the unread count, 2 the person's roles (for the menu's links only admins see, e.g. Directory)
    with django_assert_num_queries(2):
        assert portal(request)["unread_count"] == 3
    # The roles are kept on the person for the rest of the request: the page's permission checks are free.
    with django_assert_num_queries(0):
        assert not staff.is_admin
        assert not staff.is_security_officer


@pytest.mark.parametrize("url", ["notifications", "notifications_read_all"])
def test_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.post(reverse(url)) if url.endswith("all") else client.get(reverse(url))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_notifications_page_lists_only_mine_newest_first_25_a_page(client_for, staff, outsider):
    notes = NotificationFactory.create_batch(30, recipient=staff)
    NotificationFactory(recipient=outsider, subject="Not for Sam")
    client = client_for(staff)
    first = client.get(reverse("notifications"))
    assert [n.pk for n in first.context["page"]] == [n.pk for n in reversed(notes)][:25]
    assert "Not for Sam" not in first.content.decode()
    second = client.get(reverse("notifications"), {"page": 2})
    assert len(second.context["page"]) == 5
    assert client.get(reverse("notifications"), {"page": "x"}).status_code == 200


@pytest.mark.parametrize("count", [3, 60])
def test_notifications_page_query_count_does_not_grow(client_for, staff, count, django_assert_num_queries):
    NotificationFactory.create_batch(count, recipient=staff)
    client = client_for(staff)
    client.get(reverse("notifications"))  # a session's first request also records it (allauth usersessions)
    # 14 queries: session and user (2); allauth's user-session tracking: savepoint, select session, select
    # its user, update last seen, release (5); the paginator's count (1); the header's unread count (1); the
    # user's groups for the navigation (1); one page of notifications (1); saving the sliding session (3).
    with django_assert_num_queries(14):
        response = client.get(reverse("notifications"))
    assert len(response.context["page"]) == min(count, 25)


def open_note(client, note):
    return client.post(reverse("notification_open", args=[note.pk]))


def test_opening_marks_read_and_follows_the_portal_link(client_for, staff):
    note = NotificationFactory(recipient=staff, link="/audit/?action=auth")
    response = open_note(client_for(staff), note)
    assert (response.status_code, response.url) == (302, "/audit/?action=auth")
    note.refresh_from_db()
    assert note.is_read


@pytest.mark.parametrize("link", ["https://evil.example/login", "//evil.example/", "javascript:alert(1)", ""])
def test_opening_never_follows_a_link_out_of_the_portal(client_for, staff, link):
    note = NotificationFactory(recipient=staff, link=link)
    response = open_note(client_for(staff), note)
    assert response.status_code == 200  # the notification's own page, in the portal
    assert "evil.example" not in response.content.decode()
    note.refresh_from_db()
    assert note.is_read


@pytest.mark.parametrize(
    "body",
    ["- Look here (https://evil.example//evil.example/x)", "Look: https://evil.example/\\evil.example/"],
)
def test_a_notifications_own_page_links_no_address_out_of_the_portal(client_for, staff, body):
    note = NotificationFactory(recipient=staff, link="", body=body)
    page = open_note(client_for(staff), note).content.decode()
    assert "Look" in page
    assert 'href="//' not in page
    assert 'href="/\\' not in page


def test_someone_elses_notification_is_not_found_and_stays_unread(client_for, staff, outsider):
    note = NotificationFactory(recipient=outsider)
    assert open_note(client_for(staff), note).status_code == 404
    note.refresh_from_db()
    assert not note.is_read


def test_opening_is_a_plain_link_so_a_new_tab_works_too(client_for, staff):
    note = NotificationFactory(recipient=staff, link="/audit/")
    response = client_for(staff).get(reverse("notification_open", args=[note.pk]))
    assert (response.status_code, response.url) == (302, "/audit/")
    note.refresh_from_db()
    assert note.is_read


def test_anonymous_open_is_sent_to_sign_in(client, staff):
    response = open_note(client, NotificationFactory(recipient=staff))
    assert response.url.startswith(reverse("account_login"))


def test_mark_all_read_touches_only_mine(client_for, staff, outsider):
    NotificationFactory.create_batch(3, recipient=staff)
    theirs = NotificationFactory(recipient=outsider)
    response = client_for(staff).post(reverse("notifications_read_all"), follow=True)
    assert "3 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=staff, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert not theirs.is_read
