"""A German-speaking manager decides reviews, on a laptop and on a phone: signed in, the dashboard, the
queue ("Meine Prüfungen"), one item kept in its row, another opened and revoked with a reason, and the
queue again with the confirmation. Every page they visit is in German: no English original of a marked
string of any catalogue in what the page shows (tests/i18n.py), and the fixtures fail on any console error
or CSP violation."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from access.choices import Decision
from access.models import ReviewItem
from tests.access.factories import (
    GrantFactory,
    ReviewCampaignFactory,
    ReviewItemFactory,
    RoleFactory,
    SystemFactory,
)
from tests.dashboard_support import wait_for_panels
from tests.e2e.conftest import DESKTOP, PHONE, results_dir, save_page, sign_in
from tests.factories import UserFactory
from tests.i18n import untranslated

pytestmark = pytest.mark.e2e

REVOKE_WHY = "Hat das Lohnprojekt im Oktober verlassen."
PEOPLE = ["Maria Managerin", "Anna Albers", "Bernd Becker"]
SYSTEMS = ["Lohnbuchhaltung", "Wiki"]
ROLES = ["Sachbearbeitung", "Leserecht"]
CAMPAIGN = "Rezertifizierung Q4"


@pytest.fixture
def manager(transactional_db):
    """A manager who chose German, with two reports' grants to review in one open campaign."""
    manager = UserFactory(email="maria.managerin@example.com", full_name=PEOPLE[0], language="de")
    campaign = ReviewCampaignFactory(name=CAMPAIGN, launched_at=timezone.now() - datetime.timedelta(days=2))
    for person, system, role in zip(PEOPLE[1:], SYSTEMS, ROLES, strict=True):
        holder = UserFactory(full_name=person, manager=manager)
        ReviewItemFactory(
            campaign=campaign,
            grant=GrantFactory(user=holder, role=RoleFactory(system=SystemFactory(name=system), name=role)),
            reviewer=manager,
        )
    return manager


def in_german(page, what: str, also_ignore=()) -> None:
    """No English original of a marked string on the page as it stands (names and data left out)."""
    page.wait_for_load_state("load")
    data = [*PEOPLE, *SYSTEMS, *ROLES, CAMPAIGN, REVOKE_WHY, *also_ignore]
    found = untranslated(page.content(), ignore=data)
    assert found == [], f"English on the {what}: {found}"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_german_manager_decides_reviews_in_german(request, manager, size):
    page = request.getfixturevalue("browser_page" if size == "desktop" else "phone_page")
    viewport = DESKTOP if size == "desktop" else PHONE
    shots = results_dir(request.config)

    sign_in(page, manager)  # the sign-in page follows the browser (English); the account says German
    expect(page.locator("html")).to_have_attribute("lang", "de")
    wait_for_panels(page)  # the panels' words too, not the placeholders'
    in_german(page, "dashboard")
    panel = page.get_by_test_id("review-queue-panel")
    expect(panel).to_contain_text("2 von 2 Einträgen offen")
    save_page(page, shots / f"german-reviews-{size}-1-dashboard.png")

    panel.get_by_role("link", name="Meine Prüfungen öffnen").click()
    expect(page).to_have_url(re.compile(r"/access/reviews/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Prüfungen zur Zugriffsrezertifizierung")
    expect(page.get_by_test_id("queue-progress")).to_contain_text("noch 2 offen · 0 von 2 entschieden")
    in_german(page, "queue")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the queue scrolls sideways"
    save_page(page, shots / f"german-reviews-{size}-2-queue.png")

    # keep the first in its row: the row swaps in place, saying so in German
    rows = page.get_by_test_id("review-item")
    first = rows.filter(has_text=PEOPLE[1])
    first.get_by_role("button", name="Behalten").click()
    expect(first.get_by_test_id("decision")).to_have_text("Behalten")
    expect(page.get_by_test_id("queue-progress")).to_contain_text("noch 1 offen · 1 von 2 entschieden")
    in_german(page, "queue after a decision")

    # the second on its own page: revoke it with a reason
    second = rows.filter(has_text=PEOPLE[2])
    second.get_by_role("link", name="Mehr").click()
    expect(page.get_by_role("heading", level=2, name="Ihre Entscheidung")).to_be_visible()
    in_german(page, "review item")
    save_page(page, shots / f"german-reviews-{size}-3-item.png")
    page.get_by_label("Entziehen", exact=True).check()
    page.get_by_label("Begründung", exact=True).fill(REVOKE_WHY)
    page.get_by_role("button", name="Entscheidung erfassen").click()

    # the confirmation, on the item's page, its history now listing the decision
    expect(page).to_have_url(re.compile(r"/access/reviews/items/\d+/$"))
    expect(page.get_by_test_id("messages")).to_contain_text("Entscheidung erfasst: Entziehen")
    expect(page.get_by_test_id("decision")).to_contain_text("Entziehen")
    in_german(page, "confirmation")
    # The item's history names the changed fields in German too ("Entscheidung: Offen → Entziehen").
    expect(page.get_by_test_id("item-history")).to_contain_text("Entscheidung:")
    save_page(page, shots / f"german-reviews-{size}-4-confirmation.png")

    page.get_by_role("link", name="Meine Prüfungen").last.click()
    expect(page.get_by_test_id("queue-progress")).to_contain_text("noch 0 offen · 2 von 2 entschieden")
    in_german(page, "queue at the end")

    items = ReviewItem.objects.filter(reviewer=manager).order_by("grant__user__full_name")
    assert [(item.decision, item.justification) for item in items] == [
        (Decision.KEEP, ""),
        (Decision.REVOKE, REVOKE_WHY),
    ]
