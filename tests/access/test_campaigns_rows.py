"""What the campaign page writes for a reviewer and for a flagged item, to the character, in English and
German: the reviewer's name (or email), their numbers and pending count, overdue tagged; a flagged item's
holder, system and role (privileged tagged), its reviewer (named as a person is, or by email), its routing
note and its decision, escaped."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access.choices import Decision
from tests.access.factories import GrantFactory, ReviewCampaignFactory, ReviewItemFactory, RoleFactory
from tests.factories import UserFactory
from tests.i18n import sign_in_german

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):
    """An overdue campaign: a reviewer without a name holds a rerouted privileged item (pending) and a kept
    one; a named reviewer decided their only item."""
    campaign = ReviewCampaignFactory(due_at=timezone.now() - datetime.timedelta(days=2))
    nameless = UserFactory(full_name="", email="nameless@example.com")
    admin = RoleFactory(name="Admin & Ops", privileged=True, system__name="CRM <EU>")
    holder = UserFactory(full_name="Ann O'Neil", email="ann@example.com")
    ReviewItemFactory(
        campaign=campaign,
        grant=GrantFactory(user=holder, role=admin),
        reviewer=nameless,
        routing_note="self-review: routed to the fallback reviewer",
    )
    ReviewItemFactory(campaign=campaign, reviewer=nameless, decision=Decision.KEEP)
    ReviewItemFactory(campaign=campaign, reviewer=UserFactory(full_name="Rhea <R>"), decision=Decision.REVOKE)
    return campaign


def _flagged_line(html: str) -> str:
    group = html.index('data-testid="flagged-rerouted"')
    start = html.index("<li>", group)
    return html[start : html.index("</li>", start) + len("</li>")]


def _reviewer_rows(html: str) -> list[str]:
    table = html.index('data-testid="reviewer-progress"')
    body = html[html.index("<tbody>", table) : html.index("</tbody>", table)]
    return [row[: row.index("</tr>") + len("</tr>")] for row in body.split("\n<tr")[1:]]


NAMELESS = (
    '<td data-label="{reviewer}">nameless@example.com '
    '<span class="muted small">nameless@example.com</span></td>\n'
    '<td data-label="{progress}">\n\n\n<span class="campaign-numbers compact" data-testid="reviewer-numbers" '
    'data-reviewed="1" data-defaulted="0" data-pending="1" data-total="2">\n'
    '<svg class="numbers-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
    'aria-label="{bar}">\n'
    '<rect class="part-track" x="0" y="0" width="100" height="10"/><rect class="part-reviewed" x="0" y="0" '
    'width="50" height="10"/>\n'
    "</svg>\n"
    '<span class="numbers-text"><strong>{reviewed}</strong>\n'
    '<span class="small">· {by_a_person} · {pending}</span></span>\n'
    "</span>\n</td>\n"
    '<td data-label="{pending_label}">1 <span class="tag overdue">{overdue}</span></td></tr>'
)


def _fill(text: str, words: dict[str, str]) -> str:
    for name, word in words.items():
        text = text.replace("{" + name + "}", word)
    return text


def test_a_reviewer_row_and_a_flagged_item_in_english(client_for, security_officer, campaign):
    html = client_for(security_officer).get(reverse("access:campaign_detail", args=[campaign.pk])).content
    html = html.decode()
    assert _flagged_line(html) == (
        "<li>Ann O&#x27;Neil &lt;ann@example.com&gt;: CRM &lt;EU&gt; · Admin &amp; Ops "
        '<span class="tag privileged">privileged</span> <span class="muted small">→ nameless@example.com '
        "(self-review: routed to the fallback reviewer) · Pending</span></li>"
    )
    rows = _reviewer_rows(html)
    assert rows[0] == ' class="overdue">' + _fill(
        NAMELESS,
        {
            "reviewer": "Reviewer",
            "progress": "Progress",
            "bar": "50% reviewed by a person, 0% defaulted (no response), 50% pending",
            "reviewed": "50% reviewed",
            "by_a_person": "1 of 2 by a person",
            "pending": "1 pending",
            "pending_label": "Pending",
            "overdue": "overdue",
        },
    )
    assert rows[1].startswith('><td data-label="Reviewer">Rhea &lt;R&gt; <span class="muted small">')


def test_a_reviewer_row_and_a_flagged_item_in_german(client, security_officer, campaign):
    client = sign_in_german(client, security_officer)
    html = client.get(reverse("access:campaign_detail", args=[campaign.pk])).content.decode()
    assert _flagged_line(html) == (
        "<li>Ann O&#x27;Neil &lt;ann@example.com&gt;: CRM &lt;EU&gt; · Admin &amp; Ops "
        '<span class="tag privileged">privilegiert</span> <span class="muted small">→ nameless@example.com '
        "(self-review: routed to the fallback reviewer) · Ausstehend</span></li>"
    )
    assert _reviewer_rows(html)[0] == ' class="overdue">' + _fill(
        NAMELESS,
        {
            "reviewer": "Prüfer",
            "progress": "Fortschritt",
            "bar": "50 % von einer Person geprüft, 0 % Standardentscheidung (keine Antwort), 50 % offen",
            "reviewed": "50 % geprüft",
            "by_a_person": "1 von 2 von einer Person",
            "pending": "1 offen",
            "pending_label": "Ausstehend",
            "overdue": "überfällig",
        },
    )
