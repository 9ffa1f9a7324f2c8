"""The breach register (Art. 33(5) GDPR): every personal-data breach, notified or not, as CSV and as a page;
for security officers and auditors only; confidential breaches only for those who may see them."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.services.breach import authority_record_not_required, authority_record_notified
from tests.factories import UserFactory
from tests.incidents.breach_support import after, make_breach
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db
CSV_URL = reverse("incidents:breach_register")
PAGE_URL = reverse("incidents:breach_register_page")


def rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def breaches(security_officer):
    running = make_breach(security_officer, title="Running clock")
    notified = make_breach(security_officer, title="Told the authority late")
    authority_record_notified(
        actor=security_officer,
        incident=notified,
        notified_at=after(80),
        reference="LDA-42",
        delay_reason="Forensics took time.",
        now=after(81),
    )
    skipped = make_breach(security_officer, title="=cmd|' /C calc'!A0")
    authority_record_not_required(actor=security_officer, incident=skipped, reason="+Encrypted", now=after(2))
    IncidentFactory(title="Not a breach")
    return {"running": running, "notified": notified, "skipped": skipped}


def test_csv_lists_every_breach_notified_or_not(client_for, security_officer, breaches):
    response = client_for(security_officer).get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    by_reference = {row["reference"]: row for row in rows(response)}
    assert set(by_reference) == {incident.reference for incident in breaches.values()}
    late = by_reference[breaches["notified"].reference]
    assert late["authority decision"] == "Supervisory authority notified"
    assert late["authority notified at"] == "2026-10-26T18:00:00Z"
    assert late["deadline"] == "2026-10-26T10:00:00Z"
    assert (late["on time"], late["delay reasons"], late["authority reference"]) == (
        "no",
        "Forensics took time.",
        "LDA-42",
    )
    running = by_reference[breaches["running"].reference]
    assert (running["authority decision"], running["on time"]) == ("", "no")  # its deadline passed unnoticed
    assert running["aware at"] == "2026-10-23T10:00:00Z"


def test_csv_says_who_decided_what_and_when(client_for, security_officer, breaches):
    """Art. 33(5) documentation: who marked the breach and recorded each decision, and when."""
    by_reference = {row["reference"]: row for row in rows(client_for(security_officer).get(CSV_URL))}
    officer = f"{security_officer.full_name} <{security_officer.email}>"
    skipped = by_reference[breaches["skipped"].reference]
    assert skipped["marked by"] == officer
    assert skipped["marked as breach at"] == "2026-10-23T10:05:00Z"
    assert skipped["authority decision recorded by"] == officer
    assert skipped["authority decision recorded at"] == "2026-10-23T12:00:00Z"
    assert by_reference[breaches["running"].reference]["authority decision recorded at"] == ""


def test_csv_neutralises_formula_cells(client_for, security_officer, breaches):
    row = {r["reference"]: r for r in rows(client_for(security_officer).get(CSV_URL))}[
        breaches["skipped"].reference
    ]
    assert row["title"] == "'=cmd|' /C calc'!A0"
    assert row["not-required reason"] == "'+Encrypted"
    assert row["on time"] == "not required"


@pytest.mark.parametrize(("persona", "status"), [("staff", 403), ("manager", 403), ("admin", 403)])
def test_others_may_not_open_the_register(client_for, personas, persona, status, breaches):
    assert client_for(personas[persona]).get(CSV_URL).status_code == status
    assert client_for(personas[persona]).get(PAGE_URL).status_code == status


def test_anonymous_visitor_is_sent_to_sign_in(client):
    assert client.get(CSV_URL).status_code == 302


def test_confidential_breaches_only_for_those_who_may_see_them(client_for, security_officer, auditor):
    handler = UserFactory(roles=["security officer"])
    secret = make_breach(handler, handler=handler, confidential=True, title="Board member's laptop")
    officer_rows = rows(client_for(security_officer).get(CSV_URL))
    assert secret.reference not in {row["reference"] for row in officer_rows}
    assert secret.reference in {row["reference"] for row in rows(client_for(auditor).get(CSV_URL))}
    assert secret.reference in {row["reference"] for row in rows(client_for(handler).get(CSV_URL))}


def test_page_lists_breaches_with_the_export_link_and_filters(client_for, auditor, breaches):
    client = client_for(auditor)
    page = client.get(PAGE_URL).content.decode()
    assert all(incident.reference in page for incident in breaches.values())
    assert CSV_URL in page
    assert "Not a breach" not in page
    running_only = client.get(PAGE_URL, {"state": "running"}).content.decode()
    assert breaches["running"].reference in running_only
    assert breaches["notified"].reference not in running_only


def test_subnav_shows_the_register_to_officers_and_auditors_only(client_for, personas, breaches):
    queue = reverse("incidents:detail", args=[breaches["running"].pk])
    for persona, shown in (("security_officer", True), ("auditor", True), ("staff", False)):
        page = client_for(personas[persona]).get(queue).content.decode()
        assert (f'href="{PAGE_URL}"' in page) is shown, persona


def count_queries(client, url, **params) -> int:
    client.get(url, params)  # a session's first request also records it (allauth usersessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("size", [2, 30])
def test_page_and_csv_queries_do_not_grow_with_the_register(client_for, security_officer, size):
    for _ in range(size):
        make_breach(security_officer)
    client = client_for(security_officer)
    # Page: session and user (2), allauth's session tracking (5), the unread count (1), the user's groups
    # (1), the count and the page of breaches (2), saving the sliding session (3).
    assert count_queries(client, PAGE_URL) == 14
    # CSV: the same without the page's unread count and count of breaches: one query for every breach.
    assert count_queries(client, CSV_URL) == 12
