"""The audit trail page and its CSV export: who may read them, filters, paging, and the cost in queries."""

import csv
import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent
from tests.factories import TEST_PASSWORD, audit_event
from tests.mfa_support import give_totp

pytestmark = pytest.mark.django_db

URL = reverse("audit_trail")
CSV_URL = reverse("audit_trail_csv")


def event_at(monkeypatch, when, **kwargs):
    """An event recorded at a given moment (record() stamps it with timezone.now())."""
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        return audit_event(**kwargs)


def persona(request, name):
    """Only the persona a case needs (each costs a bcrypt hash); the manager comes with a report."""
    if name == "manager":
        request.getfixturevalue("staff")
    return request.getfixturevalue({"admin": "admin_user"}.get(name, name))


def sequences_on(response):
    return [event.sequence for event in response.context["page"].object_list]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["staff", "manager", "outsider"])
def test_people_without_an_audit_role_are_refused_and_the_refusal_is_recorded(client_for, request, name):
    user = persona(request, name)

    response = client_for(user).get(URL)

    assert response.status_code == 403
    assert user.is_manager == (name == "manager")
    refusal = AuditEvent.objects.get(action="security.access_denied")
    assert refusal.actor_id == user.pk
    assert refusal.object_label == URL


@pytest.mark.parametrize("name", ["auditor", "security_officer", "admin"])
def test_auditors_security_officers_and_admins_read_the_trail(client_for, request, name):
    audit_event(action="test.visible", object_label="Payroll system")

    response = client_for(persona(request, name)).get(URL)

    assert response.status_code == 200
    assert b"Payroll system" in response.content
    assert not AuditEvent.objects.filter(action="security.access_denied").exists()


def test_a_security_officer_finds_their_own_sign_in(client, security_officer):
    app = give_totp(security_officer)  # security officers must have a second factor (dpms/mfa.py)
    client.post(reverse("account_login"), {"login": security_officer.email, "password": TEST_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": app.now()})

    response = client.get(URL, {"action": "auth.sign_in", "actor": security_officer.email})

    assert response.status_code == 200
    [event] = response.context["page"].object_list
    assert (event.action, event.source, event.actor_id) == ("auth.sign_in", "web", security_officer.pk)
    assert b"Olga Officer &lt;olga.officer@example.com&gt;" in response.content


def test_filter_by_actor_matches_name_or_email(client_for, auditor, staff, manager):
    mine = audit_event(action="test.a", actor=staff)
    audit_event(action="test.b", actor=manager)
    client = client_for(auditor)

    assert sequences_on(client.get(URL, {"actor": "sam staff"})) == [mine.sequence]
    assert sequences_on(client.get(URL, {"actor": "SAM.STAFF@example.com"})) == [mine.sequence]


def test_filter_by_action_matches_a_prefix(client_for, auditor):
    grant = audit_event(action="access.grant.create")
    revoke = audit_event(action="access.grant.revoke")
    audit_event(action="risk.create")
    client = client_for(auditor)

    assert sequences_on(client.get(URL, {"action": "access.grant."})) == [revoke.sequence, grant.sequence]
    assert sequences_on(client.get(URL, {"action": "access.grant.revoke"})) == [revoke.sequence]


def test_filter_by_object_type_id_and_label(client_for, auditor, staff, manager):
    about_staff = audit_event(action="dpms.user.update", obj=staff)
    audit_event(action="dpms.user.update", obj=manager)
    audit_event(action="test.other", object_type="risk.risk", object_id=str(staff.pk), object_label="R-001")
    client = client_for(auditor)

    found = client.get(URL, {"object_type": "dpms.user", "object_id": str(staff.pk)})
    assert sequences_on(found) == [about_staff.sequence]
    assert sequences_on(client.get(URL, {"object_text": "sam"})) == [about_staff.sequence]


def test_filter_by_dates_counts_whole_days_in_the_portal_time_zone(
    client_for, auditor, monkeypatch, settings
):
    settings.TIME_ZONE = "Europe/Berlin"
    audit_event(action="test.before")
    event_at(monkeypatch, datetime(2026, 3, 1, 10, 0, tzinfo=UTC), action="test.march1")
    inside = event_at(monkeypatch, datetime(2026, 3, 5, 21, 30, tzinfo=UTC), action="test.march5")
    # 23:30 UTC on the 5th is already the 6th in Berlin, the portal's time zone.
    event_at(monkeypatch, datetime(2026, 3, 5, 23, 30, tzinfo=UTC), action="test.march6_berlin")

    response = client_for(auditor).get(URL, {"date_from": "2026-03-02", "date_to": "2026-03-05"})

    assert sequences_on(response) == [inside.sequence]


def test_a_reversed_date_range_is_a_form_error_not_a_failure(client_for, auditor):
    audit_event()

    response = client_for(auditor).get(URL, {"date_from": "2026-03-05", "date_to": "2026-03-01"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["The start date must not be after the end date."]
    assert sequences_on(response) == []
    assert b"must not be after the end date" in response.content


def test_a_malformed_date_is_a_field_error(client_for, auditor):
    response = client_for(auditor).get(URL, {"date_from": "2026-13-45"})

    assert response.status_code == 200
    assert "date_from" in response.context["form"].errors


def test_pages_hold_fifty_events_newest_first_and_keep_the_filter(client_for, auditor):
    events = [audit_event(action="test.paged") for _ in range(55)]
    audit_event(action="other.noise")
    client = client_for(auditor)
    newest_first = [event.sequence for event in reversed(events)]

    first = client.get(URL, {"action": "test."})
    assert sequences_on(first) == newest_first[:50]
    older = f"action=test.&amp;before={newest_first[49]}".encode()
    assert older in first.content
    assert b"after=" not in first.content  # the newest page has nothing newer

    second = client.get(URL, {"action": "test.", "before": newest_first[49]})
    assert sequences_on(second) == newest_first[50:]
    assert b"before=" not in second.content  # the oldest page
    assert f"action=test.&amp;after={newest_first[50]}".encode() in second.content
    back = client.get(URL, {"action": "test.", "after": newest_first[50]})
    assert sequences_on(back) == newest_first[:50]

    for nonsense in ("not-a-number", "-3", "99999999999999999999999"):
        assert client.get(URL, {"before": nonsense}).status_code == 200  # the newest page


def test_the_action_list_offers_each_known_action_once(client_for, auditor):
    for action in ("risk.create", "access.grant.create", "access.grant.create"):
        audit_event(action=action)

    response = client_for(auditor).get(URL)

    assert response.content.count(b'<option value="access.grant.create"') == 1
    assert b'<option value="risk.create" label="risk.create: Risk created">' in response.content


@pytest.mark.parametrize("size", [5, 120])
def test_query_count_does_not_grow_with_the_trail(client_for, auditor, size, django_assert_num_queries):
    for n in range(size):
        audit_event(action=f"test.kind{n % 7}", changes={"n": [n, n + 1]})
    client = client_for(auditor)
    client.get(URL)  # the first request stamps the session's start; measure a steady one

    # Per request, whatever the size: the session and the user (2); allauth's user-session tracking,
    # under a savepoint: look up the session row, its user, update last seen (5); the user's roles (1);
    # the page of events (found by sequence: the trail is never counted), the distinct actions and object
    # types for the filters, in one query (2); the latest verification of the trail with who asked for it
    # (1); the unread notifications in the header (1); the session saved under a savepoint, as every
    # request slides the idle window (3).
    with django_assert_num_queries(15):
        response = client.get(URL)

    assert len(response.context["page"].object_list) == min(size + 1, 50)  # and the sign-in event


def test_the_action_box_suggests_each_action_once_in_order(client_for, auditor):
    for action in (
        "risk.update",
        "access.grant.create",
        "risk.update",
        "incident.report",
        "access.grant.create",
    ):
        audit_event(action=action)
    response = client_for(auditor).get(URL)
    suggested = list(response.context["actions"])
    everything = sorted(set(AuditEvent.objects.values_list("action", flat=True)))
    assert suggested == everything  # the skip scan finds what DISTINCT finds, in the same order
    assert {"access.grant.create", "incident.report", "risk.update"} <= set(suggested)
    assert len(suggested) == len(set(suggested))


# --- CSV export ----------------------------------------------------------------------------------------


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="dpms-audit-')
    return list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))


def test_anonymous_visitors_cannot_export(client):
    response = client.get(CSV_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["staff", "manager", "outsider"])
def test_people_without_an_audit_role_cannot_export(client_for, request, name):
    audit_event(object_label="Payroll system")
    user = persona(request, name)

    response = client_for(user).get(CSV_URL)

    assert response.status_code == 403
    assert b"Payroll system" not in response.content
    assert AuditEvent.objects.get(action="security.access_denied").actor_id == user.pk


@pytest.mark.parametrize("name", ["auditor", "security_officer", "admin"])
def test_audit_roles_export_the_trail_with_a_header_row(client_for, request, name):
    event = audit_event(action="test.exported", object_label="Payroll system", changes={"level": [1, 2]})

    header, *rows = csv_rows(client_for(persona(request, name)).get(CSV_URL))

    assert header == [
        "sequence",
        "occurred_at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "changes",
        "source",
        "request_id",
        "client_ip",
        "prev_hash",
        "hash",
    ]
    exported = next(dict(zip(header, row, strict=True)) for row in rows if row[4] == "test.exported")
    assert exported["sequence"] == str(event.sequence)
    assert exported["object_label"] == "Payroll system"
    assert json.loads(exported["changes"]) == {"level": [1, 2]}
    assert (exported["prev_hash"], exported["hash"]) == (event.prev_hash, event.hash)


def test_the_export_holds_exactly_the_filtered_events_oldest_first(client_for, auditor):
    grant = audit_event(action="access.grant.create")
    audit_event(action="risk.create")
    revoke = audit_event(action="access.grant.revoke")

    _, *rows = csv_rows(client_for(auditor).get(CSV_URL, {"action": "access.grant."}))

    assert [row[0] for row in rows] == [str(grant.sequence), str(revoke.sequence)]


def test_spreadsheet_formulas_in_exported_cells_are_neutralised(client_for, auditor):
    audit_event(
        action="test.injection",
        object_label='=HYPERLINK("https://evil.example","click")',
        actor_label="+cmd|' /C calc'!A0",
        object_type="@SUM(A1:A9)",
        object_id="-2+3",
    )

    header, *rows = csv_rows(client_for(auditor).get(CSV_URL, {"action": "test.injection"}))

    exported = dict(zip(header, rows[0], strict=True))
    assert exported["object_label"] == """'=HYPERLINK("https://evil.example","click")"""
    assert exported["actor_label"] == "'+cmd|' /C calc'!A0"
    assert exported["object_type"] == "'@SUM(A1:A9)"
    assert exported["object_id"] == "'-2+3"


def test_an_invalid_export_filter_is_a_bad_request_not_an_empty_file(client_for, auditor):
    audit_event()

    response = client_for(auditor).get(CSV_URL, {"date_from": "2026-03-05", "date_to": "2026-03-01"})

    assert response.status_code == 400
    assert b"must not be after the end date" in response.content


@pytest.mark.parametrize("query", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
def test_dates_at_the_ends_of_the_calendar_are_a_form_error_not_a_server_error(client_for, auditor, query):
    response = client_for(auditor).get(reverse("audit_trail"), query)
    assert response.status_code == 200
    assert "between 1900 and 9998" in response.content.decode()


def test_long_changes_are_cut_short_on_the_page_and_whole_in_the_csv(client_for, auditor):
    """An import's event names every grant it created: the page shows the first twenty, and how many more;
    a long text shows its start, up to 2,000 characters a click away, and says the CSV has the rest."""
    audit_event(
        action="access.import.apply", changes={"created_grant_ids": list(range(5_000)), "note": "x" * 3_000}
    )
    client = client_for(auditor)
    page = client.get(URL).content.decode()
    assert "18, 19 and 4,980 more" in page
    assert "(3,000 characters in all: the CSV export has the whole value)" in page
    assert "4999" not in page
    assert len(page) < 60_000
    exported = "".join(part.decode() for part in client.get(CSV_URL).streaming_content)
    assert "4999" in exported  # the evidence keeps everything
