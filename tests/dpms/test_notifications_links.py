"""Every link in emails, digests and notifications starts with SITE_URL; ``make run`` (run_portal) picks a
free port and SITE_URL follows it unless it was set."""

import io
import os
import socket

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dpms import notify
from dpms.management.commands import run_portal
from dpms.models import Notification, OutboxEmail

pytestmark = pytest.mark.django_db

OTHER_PORT = "http://127.0.0.1:8001"


def test_an_email_links_to_the_portal_where_it_runs(staff, settings):
    settings.SITE_URL = OTHER_PORT
    notify.notify(recipient=staff, subject="Review due", link="/access/reviews/", dedup_key="links:1")
    body = OutboxEmail.objects.get().body
    assert f"{OTHER_PORT}/access/reviews/" in body
    assert ":8000" not in body


def test_a_digest_links_each_item_and_the_rest_to_the_portal_where_it_runs(staff, settings):
    settings.SITE_URL = OTHER_PORT
    items = [
        notify.DigestItem(staff, f"Item {n}", f"/access/items/{n}/")
        for n in range(notify.DIGEST_MAX_ITEMS + 2)
    ]
    notify.digest(
        items=items, subject="Due", intro="Please:", dedup_prefix="links-digest", more_link="/access/reviews/"
    )
    body = OutboxEmail.objects.get().body
    assert f"- Item 0 ({OTHER_PORT}/access/items/0/)" in body
    assert body.endswith(f"- … and 2 more: {OTHER_PORT}/access/reviews/")  # the rest: where all are listed
    assert ":8000" not in body
    # In the app the digest's title links to the list, and its text carries no address at all.
    note = Notification.objects.get()
    assert note.link == "/access/reviews/"
    assert "http" not in note.preview


def listening():
    """A socket listening on a free port, as another program would."""
    server = socket.socket()
    server.bind((run_portal.HOST, 0))
    server.listen()
    return server


def test_a_taken_port_asked_for_is_refused_with_what_to_do():
    with listening() as server:
        port = server.getsockname()[1]
        with pytest.raises(CommandError, match=f"Port {port} is taken.*PORT=8001 make run"):
            run_portal.choose_port(port)


def test_without_a_port_the_first_free_one_is_taken():
    with listening() as server:
        port = server.getsockname()[1]
        assert run_portal.choose_port(None, first=port) > port


def test_site_url_follows_the_port_unless_it_was_set():
    assert run_portal.site_url_for(8001, environ={}) == "http://127.0.0.1:8001"
    assert run_portal.site_url_for(8001, environ={"SITE_URL": "https://dpms.example.com/"}) == (
        "https://dpms.example.com"
    )


@pytest.fixture
def run_env(monkeypatch, settings):
    """run_portal sets SITE_URL (the setting, and in the environment for honcho's processes) and PORT: put
    them back after, so no later test reads this test's address."""
    settings.SITE_URL = settings.SITE_URL  # overridden for this test only: what run_portal sets is dropped
    for name in ("SITE_URL", "PORT"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_make_run_seeds_with_and_prints_the_address_of_the_port_it_took(run_env, monkeypatch, settings):
    seeded_with = []
    monkeypatch.setattr(run_portal, "call_command", lambda name, **kw: seeded_with.append(settings.SITE_URL))
    out = io.StringIO()
    with listening() as server:
        taken = server.getsockname()[1]
        monkeypatch.setattr(run_portal, "FIRST_PORT", taken)
        call_command("run_portal", "--no-start", stdout=out)
    port = int(os.environ["PORT"])
    assert port > taken
    assert seeded_with == [f"http://127.0.0.1:{port}"]  # the demo's sign-in address and its notices' links
    assert f"DPMS is starting on http://127.0.0.1:{port}/" in out.getvalue()


def test_make_run_keeps_a_site_url_that_was_set(run_env, monkeypatch, settings):
    monkeypatch.setenv("SITE_URL", "https://dpms.example.com")
    monkeypatch.setattr(run_portal, "call_command", lambda name, **kw: None)
    out = io.StringIO()
    call_command("run_portal", "--no-start", stdout=out)
    assert settings.SITE_URL == "https://dpms.example.com"
    assert "SITE_URL is set to https://dpms.example.com" in out.getvalue()


def test_a_digest_of_items_with_no_list_opens_a_page_linking_each_item(client, staff, settings):
    """A digest whose items link to different pages, with no page listing them all, has no link of its own:
    opening it shows each item as a link into the portal (wherever it runs now), not the list again."""
    settings.SITE_URL = OTHER_PORT
    items = [
        notify.DigestItem(staff, "R-0001: encrypt backups (due 2 Dec 2026)", "/risks/1/"),
        notify.DigestItem(staff, "R-0002: rotate keys (due 3 Dec 2026)", "/risks/2/"),
    ]
    notify.digest(items=items, subject="Overdue risk actions", intro="These are due:", dedup_prefix="several")
    note = Notification.objects.get()
    settings.SITE_URL = "http://127.0.0.1:8002"  # the portal moved since: the links still lead into it
    client.force_login(staff)

    response = client.get(reverse("notification_open", args=[note.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<a href="/risks/1/">R-0001: encrypt backups (due 2 Dec 2026)</a>' in page
    assert '<a href="/risks/2/">R-0002: rotate keys (due 3 Dec 2026)</a>' in page
    assert "These are due:" in page
    assert ":8001" not in page
    note.refresh_from_db()
    assert note.is_read


def test_a_notification_with_no_link_and_no_items_still_opens_the_list(client, staff):
    notify.notify(recipient=staff, subject="Welcome", body="Hello.", dedup_key="plain")
    note = Notification.objects.get()
    client.force_login(staff)
    response = client.get(reverse("notification_open", args=[note.pk]))
    assert response.status_code == 200
    assert "Hello." in response.content.decode()
