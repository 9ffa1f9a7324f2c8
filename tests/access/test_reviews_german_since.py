"""How long ago, in German: "(7 Monate her)" and "letzte Anmeldung 3 Tage her", never the ungrammatical
"vor 7 Monate" that putting Django's timesince (nominative) after "vor" (which takes the dative) gave."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.access.factories import ReviewItemFactory
from tests.i18n import sign_in_german

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def back_to_english(settings):
    """A German request leaves German active on the thread: the next test starts in the default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_queue_and_an_item_say_how_long_ago_in_good_german(client, manager, second_report):
    second_report.last_login = timezone.now() - datetime.timedelta(days=3)
    second_report.save(update_fields=["last_login"])
    item = ReviewItemFactory(reviewer=manager, grant__user=second_report)  # granted 200 days ago
    signed_in = sign_in_german(client, manager)

    queue = signed_in.get(reverse("access:review_queue")).content.decode()
    assert "letzte Anmeldung 3\xa0Tage her" in queue
    page = signed_in.get(reverse("access:review_item", args=[item.pk])).content.decode()
    assert "6\xa0Monate, 2\xa0Wochen her)" in page
    for html in (queue, page):
        assert "vor 6" not in html
        assert "vor 3" not in html
