"""The dashboard is a shell: each panel the person may see is a placeholder that loads itself from
``dashboard_panel``; that URL answers only the people the panel is for, only to GET, and is never stored."""

import dataclasses
import re

import pytest
from django.urls import reverse

from dpms import portal
from tests.caching import cache_directives
from tests.dashboard_support import PLACEHOLDER, panel_keys, shell_html
from tests.risk.factories import active_matrix

pytestmark = pytest.mark.django_db

EVERYONE = [
    "access-review-queue",
    "access-reports",
    "policies-to-acknowledge",
    "incidents-mine",
    "access-approvals",
    "risk-my-overdue-actions",
    "risk-reviews",
    "vulnerabilities-mine",
]
OFFICERS_ONLY = {
    "incidents-clocks",
    "access-findings",
    "access-movements",
    "risk-appetite",
    "risk-overdue-actions",
}
OFFICERS_AND_AUDITORS = {
    "access-campaigns",
    "incidents-open",
    "incidents-trend",
    "vulnerabilities-remediation",
    "policies-acknowledged-share",
    "policies-open-no-answers",
}


def without_tokens(html: str) -> str:
    """``html`` without what differs between two answers of the same page (the CSP nonce, the CSRF token)."""
    return re.sub(r'(nonce="|"X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*', r"\1", html)


def url(key: str) -> str:
    return reverse("dashboard_panel", args=[key])


@pytest.mark.parametrize(
    ("persona", "extra"),
    [
        ("staff", set()),
        ("manager", set()),
        ("outsider", set()),
        ("auditor", OFFICERS_AND_AUDITORS),
        ("admin", {"risk-acceptances"}),
        ("security_officer", OFFICERS_ONLY | OFFICERS_AND_AUDITORS | {"risk-acceptances"}),
    ],
)
def test_the_shell_has_a_placeholder_for_each_panel_the_persona_may_see(client_for, personas, persona, extra):
    keys = panel_keys(shell_html(client_for(personas[persona])))
    assert set(keys) == set(EVERYONE) | extra
    assert [key for key in keys if key in EVERYONE] == EVERYONE  # in the panels' order
    ordered = sorted((p for app in portal.apps() for p in app.panels), key=lambda p: p.order)
    assert keys == [p.key for p in ordered if p.key in keys]


def test_a_placeholder_loads_its_panel_with_htmx_and_says_it_is_loading(client_for, security_officer):
    page = shell_html(client_for(security_officer))
    placeholders = [match[0] for match in PLACEHOLDER.finditer(page)]
    assert len(placeholders) == 20
    for placeholder, key in zip(placeholders, panel_keys(page), strict=True):
        assert f'hx-get="{url(key)}"' in placeholder
        assert 'hx-trigger="load"' in placeholder
        assert 'hx-swap="outerHTML"' in placeholder
        assert 'aria-busy="true"' in placeholder
        assert "Loading…" in placeholder
    main = page.split('<main id="main"')[1]
    assert "style=" not in main
    assert "<script" not in main


def test_a_panel_is_its_fragment_alone(client_for, security_officer):
    active_matrix()
    response = client_for(security_officer).get(url("risk-appetite"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card panel" data-testid="risk-appetite-panel"')
    assert "<html" not in body
    assert response.context["panel"]["title"] == "Risks above appetite"


def test_a_panel_with_nothing_to_show_answers_empty(client_for, staff):
    response = client_for(staff).get(url("access-review-queue"))
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    ("persona", "key"),
    [
        ("staff", "risk-appetite"),
        ("staff", "incidents-trend"),
        ("manager", "access-findings"),
        ("auditor", "incidents-clocks"),
        ("auditor", "risk-acceptances"),
        ("admin", "access-movements"),
    ],
)
def test_a_panel_not_for_the_person_is_not_found_and_says_nothing(client_for, personas, persona, key):
    active_matrix()
    client = client_for(personas[persona])
    refused = client.get(url(key))
    unknown = client.get(url("no-such-panel"))
    assert refused.status_code == unknown.status_code == 404
    # The same page as for a key that does not exist: nothing of the panel, not even that it exists.
    assert without_tokens(refused.content.decode()) == without_tokens(unknown.content.decode())
    assert key not in refused.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(url("access-review-queue"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_panel_is_only_read(client_for, security_officer):
    client = client_for(security_officer)
    assert client.post(url("incidents-open")).status_code == 405
    assert client.get(url("incidents-open")).status_code == 200


def test_a_panel_is_never_stored_nor_shared(client, security_officer):
    client.force_login(security_officer)  # the plain client: this test checks the header itself
    response = client.get(url("incidents-open"))
    assert response.status_code == 200
    assert {"no-store", "private", "no-cache", "max-age=0"} <= cache_directives(response)
    assert "Cookie" in response["Vary"]


def test_panel_keys_are_slugs_unique_across_apps(monkeypatch):
    monkeypatch.setattr(portal, "_apps", dict(portal._apps))
    keys = [panel.key for app in portal.apps() for panel in app.panels]
    assert len(keys) == len(set(keys)) == 20
    taken = portal.App(name="other", panels=[portal.Panel("x.html", lambda request: None, key=keys[0])])
    with pytest.raises(ValueError, match="used twice"):
        portal.register_app(taken)
    badly_named = portal.App(
        name="other", panels=[portal.Panel("x.html", lambda request: None, key="Not A Slug")]
    )
    with pytest.raises(ValueError, match="slug"):
        portal.register_app(badly_named)


def test_a_panel_arriving_after_its_reader_signed_out_is_no_error(client_for, security_officer, monkeypatch):
    """The person signs out while the panels are on their way (the sign-out deletes the session in between):
    the panel's answer does not save the session again, so it is no 400 (an error htmx reports in the page)
    and it does not bring the deleted session back."""
    from django.contrib.sessions.models import Session

    client = client_for(security_officer)
    shell_html(client)
    panel = portal.panel_for(security_officer, "risk-overdue-actions")

    def signing_out_meanwhile(request):
        Session.objects.all().delete()
        return panel.context(request)

    signed_out_meanwhile = dataclasses.replace(panel, context=signing_out_meanwhile)
    monkeypatch.setattr(portal, "panel_for", lambda user, key: signed_out_meanwhile)

    response = client.get(reverse("dashboard_panel", args=["risk-overdue-actions"]))

    assert response.status_code == 200
    assert not Session.objects.exists()


def test_a_panel_leaves_the_session_as_its_page_saved_it(client_for, staff):
    """The shell's request renews the idle window; its panels' requests do not write the session again."""
    from django.contrib.sessions.models import Session

    client = client_for(staff)
    shell_html(client)
    renewed = Session.objects.get().expire_date
    client.get(reverse("dashboard_panel", args=["incidents-mine"]))
    assert Session.objects.get().expire_date == renewed
    client.get(reverse("dashboard"))
    assert Session.objects.get().expire_date > renewed
