"""A recommendation's reason is stored in English with the item (the evidence keeps it so) and read in the
reviewer's language: a German manager reads why the queue recommends revoking in German."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from access.choices import read_recommendation_reason
from access.services.routing import recommend
from tests.access.factories import ReviewItemFactory
from tests.i18n import sign_in_german

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def back_to_english(settings):
    """A German request leaves German active on the thread: the next test starts in the default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_reason_stored_in_english_reads_in_german_on_the_queue_and_the_item(
    client, manager, second_report
):
    second_report.last_login = None
    second_report.save(update_fields=["last_login"])
    item = ReviewItemFactory(reviewer=manager, grant__user=second_report)
    recommendation, reason = recommend(grant=item.grant, holder=second_report, now=timezone.now())
    item.recommendation, item.recommendation_reason = recommendation, reason
    item.save(update_fields=["recommendation", "recommendation_reason"])
    assert reason == "The holder has never signed in: consider revoking."  # the record stays English

    signed_in = sign_in_german(client, manager)
    for url in (reverse("access:review_queue"), reverse("access:review_item", args=[item.pk])):
        html = signed_in.get(url).content.decode()
        assert "Die Person hat sich nie angemeldet: Entziehen erwägen." in html, url
        assert "never signed in: consider" not in html, url


def test_every_reason_the_services_write_has_its_german_with_the_values_kept():
    translation.activate("de")
    stored = {
        "The holder has not signed in for 45 days: consider revoking.": (
            "Die Person hat sich seit 45 Tagen nicht angemeldet: Entziehen erwägen."
        ),
        "The grant expired on 3 Nov 2026: revoke.": (
            "Die Berechtigung ist am 3 Nov 2026 abgelaufen: entziehen."
        ),
        "The holder signed in within 30 days and the grant was reviewed on 1 Oct 2026: keep.": (
            "Die Person hat sich innerhalb von 30 Tagen angemeldet und die Berechtigung wurde am 1 Oct 2026 "
            "geprüft: behalten."
        ),
        "Deactivated on 2026-12-01.": "Deaktiviert am 2026-12-01.",
        "Something a migration wrote.": "Something a migration wrote.",  # unknown: as stored
    }
    for english, german in stored.items():
        assert read_recommendation_reason(english) == german
    translation.activate("en")
    assert read_recommendation_reason("The holder has never signed in: consider revoking.") == (
        "The holder has never signed in: consider revoking."
    )
