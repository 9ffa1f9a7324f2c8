"""What a row of the grants list shows, to the character: the holder and their team, the system and its
environment, the role (privileged tagged), when and by whom it was granted, its end and its status, in the
reader's time zone and language, escaped. The rows are worked out in Python (``_grant_rows``); these pin the
markup the template language wrote before."""

import datetime

import pytest
from django.urls import reverse

from access.choices import Environment
from tests.access.factories import GrantFactory, RoleFactory, SystemFactory
from tests.factories import TeamFactory, UserFactory
from tests.i18n import sign_in_german

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


@pytest.fixture
def grants(security_officer):
    """A privileged grant of a person in a team (granted by an officer, ending on a set day) and a revoked
    one of a person without a name or a team (granted by nobody, revoked by someone without a name)."""
    system = SystemFactory(name="CRM <EU>", environment=Environment.STAGING)
    admin = RoleFactory(system=system, name="Admin & Ops", privileged=True)
    reader = RoleFactory(system=system, name="Reader", privileged=False)
    officer = UserFactory(full_name="Olga O'Brien", email="olga@example.com")
    revoker = UserFactory(full_name="", email="rev@example.com")
    ann = UserFactory(full_name="Ann Able", email="ann@example.com", team=TeamFactory(name="Sales & Ops"))
    bob = UserFactory(full_name="", email="bob@example.com")
    kept = GrantFactory(
        user=ann,
        role=admin,
        granted_by=officer,
        granted_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=UTC),  # 2 March in Berlin
        expires_at=datetime.datetime(2026, 12, 31, 23, 0, tzinfo=UTC),  # midnight in Berlin: 1 January
    )
    gone = GrantFactory(
        user=bob,
        role=reader,
        granted_by=None,
        granted_at=datetime.datetime(2025, 7, 14, 8, 0, tzinfo=UTC),
        revoked_at=datetime.datetime(2026, 1, 5, 12, 0, 0, 123456, tzinfo=UTC),
        revoked_by=revoker,
        revoke_reason="Left.",
    )
    return {"kept": kept, "gone": gone, "system": system, "ann": ann, "bob": bob}


def _rows(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [row.split("</tr>")[0].strip() for row in body.split("<tr>")[1:]]


def _expected(grants, *, privileged: str, revoked: str, active: str, dates: dict[str, str]) -> list[str]:
    system, ann, bob = grants["system"], grants["ann"], grants["bob"]
    system_url = reverse("access:system", args=[system.pk])
    ann_row, bob_row = (
        f'<td data-label="{{person}}"><a href="{reverse("access:person", args=[ann.pk])}">Ann Able</a><br>'
        '<span class="muted small">ann@example.com · Sales &amp; Ops</span></td>\n'
        f'      <td data-label="{{system}}"><a href="{system_url}">CRM &lt;EU&gt;</a> '
        '<span class="muted small">{staging}</span></td>\n'
        '      <td data-label="{role}">Admin &amp; Ops '
        f'<span class="tag privileged">{privileged}</span></td>\n'
        '      <td data-label="{granted}"><time datetime="2026-03-02T00:30:00+01:00">'
        f'{dates["granted"]}</time><br><span class="muted small">{{by}} Olga O&#x27;Brien</span></td>\n'
        '      <td data-label="{expires}"><time datetime="2027-01-01T00:00:00+01:00">'
        f"{dates['expires']}</time></td>\n"
        f'      <td data-label="{{status}}">{active}</td>',
        f'<td data-label="{{person}}"><a href="{reverse("access:person", args=[bob.pk])}">bob@example.com</a>'
        '<br><span class="muted small">bob@example.com</span></td>\n'
        f'      <td data-label="{{system}}"><a href="{system_url}">CRM &lt;EU&gt;</a> '
        '<span class="muted small">{staging}</span></td>\n'
        '      <td data-label="{role}">Reader</td>\n'
        '      <td data-label="{granted}"><time datetime="2025-07-14T10:00:00+02:00">'
        f"{dates['granted_2']}</time></td>\n"
        '      <td data-label="{expires}">—</td>\n'
        f'      <td data-label="{{status}}">{revoked} <time datetime="2026-01-05T13:00:00.123456+01:00">'
        f"{dates['revoked']}</time> {{by}} rev@example.com</td>",
    )
    return [bob_row, ann_row]  # by name: a person without one sorts first


def test_a_row_shows_the_holder_system_role_dates_and_status(client_for, security_officer, grants):
    html = client_for(security_officer).get(reverse("access:grants"), {"status": "all"}).content.decode()
    labels = {
        "person": "Person",
        "system": "System",
        "role": "Role",
        "granted": "Granted",
        "expires": "Expires",
        "status": "Status",
        "staging": "Staging",
        "by": "by",
    }
    dates = {
        "granted": "2 Mar 2026",
        "expires": "1 Jan 2027",
        "granted_2": "14 Jul 2025",
        "revoked": "5 Jan 2026",
    }
    expected = _expected(grants, privileged="Privileged", revoked="Revoked", active="Active", dates=dates)
    assert _rows(html) == [_fill(row, labels) for row in expected]


def test_a_row_in_german(client, security_officer, grants):
    html = sign_in_german(client, security_officer).get(reverse("access:grants"), {"status": "all"})
    labels = {
        "person": "Person",
        "system": "System",
        "role": "Rolle",
        "granted": "Erteilt",
        "expires": "Läuft ab",
        "status": "Status",
        "staging": "Staging",
        "by": "von",
    }
    dates = {
        "granted": "2. März 2026",
        "expires": "1. Jan. 2027",
        "granted_2": "14. Juli 2025",
        "revoked": "5. Jan. 2026",
    }
    expected = _expected(
        grants, privileged="Privilegiert", revoked="Entzogen am", active="Aktiv", dates=dates
    )
    assert _rows(html.content.decode()) == [_fill(row, labels) for row in expected]


def _fill(row: str, labels: dict[str, str]) -> str:
    for name, word in labels.items():
        row = row.replace("{" + name + "}", word)
    return row
