"""One date format per language on every page: main pages of the seeded demo show no ISO date in their
visible text ("2026-12-02" next to "2 Dec 2026"), only in machine places (``<time datetime="...">``, form
values, links); the same day reads the same on two pages; the lists' hand-written dates match the named
formats."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from dpms.formats import show_date, show_datetime
from dpms.models import User
from risk.models import Risk, RiskAcceptance

pytestmark = pytest.mark.django_db

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def visible_text(html: str) -> str:
    """What a reader sees: no scripts, styles or JSON data blocks, no tags (so no attributes)."""
    html = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)


@pytest.fixture
def officer(demo, client_for):
    return client_for(User.objects.get(email="lena.hoffmann@northwind.example"))


def main_pages():
    from access.models import ReviewItem
    from incidents.models import Incident

    risk = Risk.objects.filter(next_review_on__isnull=False, acceptances__isnull=False).first()
    person = User.objects.get(email="priya.raman@northwind.example")
    breach = Incident.objects.filter(is_breach=True).exclude(authority_decision="").first()
    item = ReviewItem.objects.exclude(decided_at=None).first()
    return [
        reverse("incidents:detail", args=[breach.pk]),
        reverse("access:review_item", args=[item.pk]),
        reverse("risk:register"),
        reverse("risk:risk", args=[risk.pk]),
        reverse("risk:acceptances"),
        reverse("risk:actions"),
        reverse("risk:review_round"),
        reverse("access:grants"),
        reverse("access:person", args=[person.pk]),
        reverse("incidents:queue"),
        reverse("audit_trail"),
    ]


def test_main_pages_show_no_iso_date_in_their_text(officer):
    found = {}
    for url in main_pages():
        response = officer.get(url)
        assert response.status_code == 200, url
        dates = ISO_DAY.findall(visible_text(response.content.decode()))
        if dates:
            found[url] = sorted(set(dates))[:5]
    assert found == {}


def test_a_day_reads_the_same_on_the_register_the_risk_and_its_acceptance(officer):
    acceptance = RiskAcceptance.objects.select_related("risk").filter(risk__next_review_on__isnull=False)[0]
    risk = acceptance.risk
    review_day = show_date(risk.next_review_on)  # e.g. "2 Dec 2026"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", review_day)

    register = visible_text(officer.get(reverse("risk:register"), {"q": risk.reference}).content.decode())
    detail = visible_text(officer.get(reverse("risk:risk", args=[risk.pk])).content.decode())
    assert review_day in register
    assert review_day in detail

    expiry = show_date(acceptance.expires_on)
    acceptances = visible_text(officer.get(reverse("risk:acceptances")).content.decode())
    assert expiry in acceptances
    assert expiry in detail


def test_the_lists_hand_written_dates_are_the_named_formats(demo):
    """The risk register and the incidents queue write their dates without the date filter (for speed):
    what they write must be the pages' DATE_FORMAT and DATETIME_FORMAT."""
    from incidents.views.lists import RowTimes
    from risk.views.register import _row

    moment = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # already 3 Dec in Berlin
    with timezone.override(ZoneInfo("Europe/Berlin")):
        times = RowTimes(timezone.get_current_timezone())
        assert times.moment(moment)["text"] == show_datetime(moment) == "3 Dec 2026, 00:30"
        assert date_filter(timezone.localtime(moment), "DATETIME_FORMAT") == "3 Dec 2026, 00:30"

    risk = Risk.objects.select_related("matrix").filter(next_review_on__isnull=False).first()
    risk.next_review_on = date(2026, 12, 2)
    months = ["", *(date_filter(date(2026, month, 1), "M") for month in range(1, 13))]
    _row(risk, date(2026, 1, 1), months, None)  # English writes "j M Y" itself
    assert risk.review_text == show_date(risk.next_review_on) == "2 Dec 2026"
