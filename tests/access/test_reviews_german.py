"""The access review in German: a manager who chose German reads the dashboard panel, the queue, a review
item and the row a decision swaps in with no English original of a marked string left, is refused in
German, and every notice the review sends (a security officer's override, a reassignment) reaches each
reviewer in their own language, the e-mail too."""

import pytest
from django.urls import reverse

from access.choices import Recommendation
from dpms.models import Notification, OutboxEmail
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory
from tests.dashboard_support import dashboard_html
from tests.factories import UserFactory
from tests.i18n import sign_in_german, speaks_german, untranslated

pytestmark = pytest.mark.django_db

QUEUE = reverse("access:review_queue")


@pytest.fixture
def items(manager, staff, second_report):
    """Three items in the manager's queue: one privileged, one recommended for revoking, one without."""
    campaign = ReviewCampaignFactory(name="Rezertifizierung Q4")
    privileged = ReviewItemFactory(
        campaign=campaign,
        reviewer=manager,
        grant__user=staff,
        grant__role__name="Hauptbuch-Admin",
        grant__role__privileged=True,
        grant__role__system__name="Hauptbuch",
        privileged=True,
    )
    inactive = ReviewItemFactory(
        campaign=campaign,
        reviewer=manager,
        grant__user=second_report,
        grant__role__name="Leser",
        grant__role__system__name="Wiki",
        recommendation=Recommendation.INACTIVE,
        recommendation_reason="Seit 45 Tagen nicht angemeldet.",
    )
    plain = ReviewItemFactory(
        campaign=campaign,
        reviewer=manager,
        grant__user=second_report,
        grant__role__name="Nutzer",
        grant__role__system__name="Lohn",
    )
    return privileged, inactive, plain


def _main(html: str) -> str:
    """The page's own content: the header's menu and badges belong to the portal and the other apps."""
    return html[html.index("<main") : html.index("</main>")]


def _data(items, *people):
    """What the test put on the pages: names, systems and roles are data, not catalogue text."""
    names = [person.full_name for person in people]
    for item in items:
        names += [item.grant.user.full_name, item.system_name, item.role_name, item.campaign.name]
    return names


def test_the_queue_the_item_and_the_dashboard_panel_are_in_german(
    client, manager, staff, second_report, items
):
    signed_in = sign_in_german(client, manager)
    data = _data(items, manager, staff, second_report)

    queue = signed_in.get(QUEUE).content.decode()
    assert "Ihre Prüfungen zur Zugriffsrezertifizierung" in queue
    assert "noch 3 offen</strong> · 0 von 3 entschieden" in queue
    assert "Entziehen: Person inaktiv" in queue  # the recommendation, in the reviewer's words
    assert "Empfehlungen übernehmen" in queue
    assert untranslated(_main(queue), ignore=data) == []

    item = signed_in.get(reverse("access:review_item", args=[items[0].pk])).content.decode()
    assert "Ihre Entscheidung" in item
    assert "Bis zu einem Datum behalten" in item  # the decision's choices
    assert untranslated(_main(item), ignore=data) == []

    dashboard = dashboard_html(signed_in)
    assert "3 von 3 Einträgen offen" in dashboard
    panel = dashboard[dashboard.index('data-testid="review-queue-panel"') :]
    assert untranslated(panel[: panel.index("</section>")], ignore=data) == []


def test_a_decision_asks_and_answers_in_german(client, manager, staff, second_report, items):
    privileged, inactive, _plain = items
    signed_in = sign_in_german(client, manager)
    data = _data(items, manager, staff, second_report)
    decide = reverse("access:review_item_decide", args=[privileged.pk])

    asked = signed_in.post(decide, {f"item{privileged.pk}-decision": "keep"}, HTTP_HX_REQUEST="true")
    row = asked.content.decode()
    assert "Begründung (behalten, privilegiert)" in row
    assert "Für das Behalten einer privilegierten Berechtigung ist eine Begründung erforderlich." in row
    assert untranslated(row, ignore=data) == []

    saved = signed_in.post(
        decide,
        {
            f"item{privileged.pk}-decision": "keep",
            f"item{privileged.pk}-justification": "Betreut das Hauptbuch.",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Gespeichert: Behalten." in saved
    assert "noch 2 offen</strong> · 1 von 3 entschieden" in saved  # the progress, swapped out of band
    assert untranslated(saved, ignore=[*data, "Betreut das Hauptbuch."]) == []

    accepted = signed_in.post(
        reverse("access:review_accept"),
        {"items": [inactive.pk], "justification": "Abgeglichen."},
        follow=True,
    ).content.decode()
    assert "Empfehlungen übernommen: 1 Eintrag entzogen, 0 Einträge behalten." in accepted


def test_refusals_are_in_german(client, manager, staff, items):
    signed_in = sign_in_german(client, staff)  # the holder may not decide on their own access
    response = signed_in.post(
        reverse("access:review_item_decide", args=[items[0].pk]), {f"item{items[0].pk}-decision": "keep"}
    )
    assert response.status_code == 404  # staff do not see the manager's queue at all

    signed_in = sign_in_german(client, manager)
    empty = signed_in.post(reverse("access:review_accept"), {"items": [], "justification": ""})
    assert empty.status_code == 400
    assert "Begründung: Dieses Feld ist zwingend erforderlich." in empty.content.decode()


def test_an_override_reaches_each_reviewer_in_their_own_language(manager, security_officer, items, client):
    """The security officer writes in English; the German manager whose item it was reads German, and an
    English reviewer of another item reads English, in the app and in the e-mail."""
    speaks_german(manager)
    english_reviewer = UserFactory(email="erin.reviewer@example.com", full_name="Erin Reviewer")
    other = ReviewItemFactory(campaign=items[0].campaign, reviewer=english_reviewer)
    officer = client
    officer.force_login(security_officer, backend="allauth.account.auth_backends.AuthenticationBackend")
    for item in (items[2], other):
        response = officer.post(
            reverse("access:review_item_decide", args=[item.pk]),
            {f"item{item.pk}-decision": "revoke", f"item{item.pk}-justification": "Left the project."},
        )
        assert response.status_code == 302

    german = Notification.objects.get(recipient=manager)
    assert german.subject.startswith(
        "Sicherheitsbeauftragte haben über einen Eintrag Ihrer Zugriffsrezertifizierung"
    )
    assert german.body == f"{security_officer} hat „Entziehen“ für {items[2]} erfasst: Left the project."
    mail = OutboxEmail.objects.get(recipient=manager)
    assert "Sicherheitsbeauftragte haben" in mail.subject
    assert "hat „Entziehen“ für" in mail.body

    english = Notification.objects.get(recipient=english_reviewer)
    assert english.subject.startswith("A security officer decided an item of your access review")
    assert "recorded “Revoke” on" in english.body
    assert "A security officer decided" in OutboxEmail.objects.get(recipient=english_reviewer).subject


def test_a_reassignment_tells_the_german_reviewer_in_german(manager, security_officer, items, client):
    speaks_german(manager)
    new_reviewer = speaks_german(UserFactory(email="gerd.pruefer@example.com", full_name="Gerd Prüfer"))
    client.force_login(security_officer, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.post(
        reverse("access:review_item_reassign", args=[items[1].pk]),
        {"new_reviewer": new_reviewer.email, "reason": "Urlaub"},
    )
    assert response.status_code == 302
    assert Notification.objects.get(recipient=new_reviewer).subject == (
        f"Ihnen wurde ein Prüfeintrag zugewiesen: {items[1]}"
    )
    old = Notification.objects.get(recipient=manager)
    assert old.subject == f"Ein Prüfeintrag wurde {new_reviewer} neu zugewiesen: {items[1]}"
    assert old.body == f"{security_officer} hat ihn neu zugewiesen. Grund: Urlaub"
