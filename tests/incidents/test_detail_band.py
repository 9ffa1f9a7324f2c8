"""The header band at the top of the incident page: the running 72-hour clock, the escalation state and what
is owed next, by whom and by when; no clock once nothing runs; nothing internal for the reporter."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import AuthorityDecision, Severity, Status
from tests.factories import UserFactory
from tests.incidents.breach_support import AWARE, after, make_breach
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return UserFactory(roles=["security officer"], time_zone="Europe/Berlin", full_name="Olga Officer")


def band_at(client, incident, now, monkeypatch) -> str:
    """The band of the incident page as rendered at ``now``."""
    monkeypatch.setattr(timezone, "now", lambda: now)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    monkeypatch.undo()
    match = re.search(
        r'<section class="incident-band[^"]*"[^>]*data-testid="incident-band">.*?</section>', page, re.S
    )
    assert match, "no header band on the page"
    assert page.index('data-testid="incident-band"') < page.index('data-testid="incident-facts"')
    return match.group(0)


def part(band: str, testid: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>.*?</\1>', band, re.S)
    assert match, f"no {testid} in the band"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(0))).strip()


def handled_breach(officer):
    return make_breach(
        officer, handler=officer, severity=Severity.SEV1, acknowledged_at=after(0.2), acknowledged_by=officer
    )


def test_a_breach_in_its_72_hours_shows_the_clock_and_the_notification_as_the_next_action(
    client_for, officer, monkeypatch
):
    incident = handled_breach(officer)
    band = band_at(client_for(officer), incident, after(10), monkeypatch)
    # Aware Friday 23 Oct 12:00 CEST; 72 elapsed hours end Monday 11:00 CET (the clocks went back).
    clock = part(band, "breach-clock")
    assert (
        clock == "Notify the supervisory authority (Art. 33 GDPR) 62 h 0 min left by 26 Oct 2026, 11:00 CET"
    )
    next_action = part(band, "next-action")
    assert next_action.startswith("Next Notify the supervisory authority (Art. 33 GDPR), or record why not")
    assert "by you" in next_action
    assert "due 26 Oct 2026, 11:00 CET (62 h 0 min left)" in next_action
    assert "Acknowledged by Olga Officer" in part(band, "band-escalation")
    assert "incident-band overdue" not in band


def test_an_overdue_clock_says_by_how_much_and_marks_the_band(client_for, officer, monkeypatch):
    incident = handled_breach(officer)
    band = band_at(client_for(officer), incident, after(75), monkeypatch)
    assert "Overdue by 3 h 0 min" in part(band, "breach-clock")
    assert 'class="countdown overdue"' in band
    assert "(Overdue by 3 h 0 min)" in part(band, "next-action")
    assert band.startswith('<section class="incident-band overdue"')


def test_the_next_escalation_is_what_an_untriaged_report_owes_to_the_security_officers(
    client_for, officer, monkeypatch
):
    now = timezone.now()
    incident = IncidentFactory(
        status=Status.REPORTED, next_escalation_at=now + datetime.timedelta(minutes=15)
    )
    band = band_at(client_for(officer), incident, now, monkeypatch)
    next_action = part(band, "next-action")
    assert "Triage it" in next_action
    assert "by the security officers" in next_action
    assert "escalates" in next_action
    assert "(0 h 15 min left)" in next_action
    assert "Not acknowledged" in part(band, "band-escalation")
    assert 'data-testid="breach-clock"' not in band


def test_a_closed_incident_has_no_running_clock_and_owes_nothing(client_for, officer, monkeypatch):
    incident = incident_at(
        Status.CLOSED,
        reporter=UserFactory(),
        handler=officer,
        is_breach=True,
        aware_at=AWARE,
        authority_deadline=after(72),
        authority_decision=AuthorityDecision.NOTIFIED,
        authority_notified_at=after(20),
    )
    band = band_at(client_for(officer), incident, after(100), monkeypatch)
    assert "data-countdown" not in band
    assert 'data-testid="breach-clock"' not in band
    assert part(band, "next-action").startswith("Next Nothing owed · closed")
    assert 'data-testid="band-escalation"' not in band


def test_the_reporter_is_told_what_happens_next_without_clocks_or_escalation(
    client_for, officer, monkeypatch
):
    reporter = UserFactory()
    incident = make_breach(officer, reported_by=reporter, handler=officer)
    band = band_at(client_for(reporter), incident, after(10), monkeypatch)
    assert "data-countdown" not in band
    assert "Escalation" not in band
    assert part(band, "next-action") == "Next Olga Officer handles it."
