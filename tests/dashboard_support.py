"""The dashboard as a browser shows it: the shell (``dashboard``), then each panel's placeholder replaced by
what its own request answers (``dashboard_panel``), as htmx does on load."""

import re
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# The placeholder templates/dpms/dashboard.html puts in each visible panel's place.
PLACEHOLDER = re.compile(
    r'<section class="card panel panel-loading" data-panel="(?P<key>[a-z0-9-]+)"[^>]*'
    r'hx-get="(?P<url>[^"]+)"[^>]*>.*?</section>',
    re.S,
)


def shell_html(client) -> str:
    """The dashboard page as the server sends it: placeholders where the panels go."""
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def panel_keys(html: str) -> list[str]:
    """The keys of the panels the shell ``html`` has placeholders for, in their order."""
    return [match["key"] for match in PLACEHOLDER.finditer(html)]


def panel_html(client, url: str) -> str:
    """What the panel at ``url`` answers: its fragment, or "" when it has nothing to show."""
    response = client.get(unescape(url), headers={"HX-Request": "true"})
    assert response.status_code == 200, url
    return response.content.decode()


def dashboard_html(client) -> str:
    """The dashboard as a browser shows it: every placeholder replaced by its panel's answer (an empty answer
    removes it, as htmx's outerHTML swap does)."""
    return PLACEHOLDER.sub(lambda match: panel_html(client, match["url"]), shell_html(client))


def panel_of(client, key: str):
    """The context (``panel``) of the dashboard panel ``key`` as the person's browser loads it; None when
    their dashboard has no placeholder for it or its answer is empty (nothing to show)."""
    if key not in panel_keys(shell_html(client)):
        return None
    response = client.get(reverse("dashboard_panel", args=[key]), headers={"HX-Request": "true"})
    assert response.status_code == 200, key
    if not response.content.strip():
        return None
    return response.context["panel"]


def panel_query_counts(client) -> dict[str, int]:
    """How many queries each panel's own request runs, by key, for the person signed in on ``client`` (the
    shell is asked for first, as the browser does, so the session is already recorded; each panel once before
    it is counted, as the old whole dashboard was, so what a process reads once (content types) is read)."""
    counts = {}
    for match in PLACEHOLDER.finditer(shell_html(client)):
        panel_html(client, match["url"])
        with CaptureQueriesContext(connection) as captured:
            panel_html(client, match["url"])
        counts[match["key"]] = len(captured)
    return counts


def wait_for_panels(page) -> None:
    """In a real browser (Playwright): wait until every panel placeholder, and the System health card's, has
    been replaced by its answer; one left (its request failed) fails the test."""
    from playwright.sync_api import expect

    expect(page.locator(".panel-loading")).to_have_count(0)
    expect(page.locator('#health-panel[hx-trigger="load"]')).to_have_count(0)  # the health card too
