"""The reporter's private link: it shows that report only (what they sent and its status changes), lets them
add information and files (which reach the incident and its handlers), and a revoked or unknown link is a
404. Officers revoke links and move a report to its system; the tracking page's queries do not grow with
the report's history."""

import pytest
from django.urls import reverse

from incidents.choices import EventKind
from incidents.models import IncidentAttachment, IncidentEvent
from tests.access.factories import SystemFactory
from tests.incidents.reporting_support import PNG
from tests.vulnerabilities.disclosures_support import (  # noqa: F401 - fixtures
    attachments_dir_fixture,
    intake_fixture,
    send,
    tracking_path,
    upload,
)
from vulnerabilities.models import Disclosure, DisclosureMessage
from vulnerabilities.services import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(client, intake):
    """A report sent, and its private link's path."""
    return tracking_path(send(client))


def test_the_link_shows_that_report_and_its_status_changes_only(client, intake, reported, security_officer):
    other = tracking_path(send(client, title="Open redirect on the login page"))
    disclosure = Disclosure.objects.get(vulnerability__title="Stored XSS in the contact form")
    register.vulnerability_triage(actor=security_officer, vulnerability=disclosure.vulnerability)
    page = client.get(reported)
    assert page.status_code == 200
    assert b"Stored XSS in the contact form" in page.content
    assert b"Open redirect" not in page.content
    assert "New → <strong>Triaged</strong>".encode() in page.content
    assert security_officer.full_name.encode() not in page.content  # no names from the register
    assert page["Referrer-Policy"] == "no-referrer"
    assert b"Open redirect" in client.get(other).content


@pytest.mark.parametrize("token", ["nothing", "abc_def", "0123456789ab_wrongsecret"])
def test_an_unknown_or_malformed_link_is_a_404(client, intake, reported, token):
    assert client.get(reverse("security:track", args=[token])).status_code == 404


def test_a_wrong_secret_with_a_real_prefix_is_a_404(client, intake, reported):
    prefix = Disclosure.objects.get().token_prefix
    assert client.get(reverse("security:track", args=[f"{prefix}_guessed"])).status_code == 404


def test_a_revoked_link_is_a_404(client, client_for, intake, reported, security_officer):
    disclosure = Disclosure.objects.get()
    officer = client_for(security_officer)
    response = officer.post(reverse("vulnerabilities:disclosure_revoke", args=[disclosure.pk]))
    assert response.status_code == 302
    assert officer.get(reported).status_code == 404


def test_only_officers_revoke_and_move(client_for, intake, reported, auditor, staff):
    disclosure = Disclosure.objects.get()
    assert (
        client_for(auditor)
        .post(reverse("vulnerabilities:disclosure_revoke", args=[disclosure.pk]))
        .status_code
        == 403
    )
    assert (
        client_for(staff).post(reverse("vulnerabilities:disclosure_revoke", args=[disclosure.pk])).status_code
        == 403
    )
    disclosure.refresh_from_db()
    assert disclosure.link_revoked_at is None


def test_the_reporter_adds_information_and_files_which_reach_the_incident(client, intake, reported):
    response = client.post(
        reported, {"text": "It also works on /feedback.", "attachments": [upload("more.png", PNG)]}
    )
    assert response.status_code == 302  # back to the page by GET: a reload sends nothing twice
    assert response["Location"] == f"{reported}?added=1"
    assert b'data-testid="disclosure-added"' in client.get(response["Location"]).content
    message = DisclosureMessage.objects.get()
    assert (message.text, message.file_names) == ("It also works on /feedback.", ["more.png"])
    disclosure = Disclosure.objects.get()
    line = IncidentEvent.objects.get(incident=disclosure.incident, kind=EventKind.INFO)
    assert line.text == "It also works on /feedback."
    assert not line.internal
    assert IncidentAttachment.objects.filter(incident=disclosure.incident, event=line).count() == 1
    assert b"It also works on /feedback." in client.get(reported).content


def test_added_files_follow_the_incident_rules(client, intake, reported):
    response = client.post(reported, {"text": "", "attachments": [upload("page.txt", b"<html><script>")]})
    assert response.status_code == 400
    assert not DisclosureMessage.objects.exists()


def test_an_officer_moves_a_report_to_its_system(client_for, intake, reported, security_officer, staff):
    website = SystemFactory(name="Company website", owner=staff)
    disclosure = Disclosure.objects.get()
    client = client_for(security_officer)
    response = client.post(
        reverse("vulnerabilities:disclosure_move", args=[disclosure.pk]), {"system": website.pk}
    )
    assert response.status_code == 302
    disclosure.vulnerability.refresh_from_db()
    assert disclosure.vulnerability.system == website
    assert disclosure.vulnerability.owner == staff  # the new system's owner


def test_the_officers_list_of_reports(client_for, intake, reported, security_officer, auditor, staff):
    listing = reverse("vulnerabilities:disclosures")
    assert client_for(security_officer).get(listing).status_code == 200
    page = client_for(auditor).get(listing)
    assert page.status_code == 200
    assert b"researcher@example.net" in page.content
    assert b"Revoke the link" not in page.content
    assert client_for(staff).get(listing).status_code == 403


def test_the_policy_is_edited_by_officers_and_shown_on_the_form(
    client, client_for, intake, security_officer, auditor
):
    policy = reverse("vulnerabilities:disclosure_policy")
    assert client_for(auditor).get(policy).status_code == 403
    officer = client_for(security_officer)
    assert officer.post(policy, {"text": "Write to us, we answer within a day."}).status_code == 302
    officer.logout()
    assert b"Write to us, we answer within a day." in client.get(reverse("security:report")).content


@pytest.mark.parametrize("messages", [1, 6])
def test_the_tracking_page_runs_a_fixed_number_of_queries(
    client, intake, reported, messages, django_assert_num_queries
):
    disclosure = Disclosure.objects.get()
    for n in range(messages):
        DisclosureMessage.objects.create(disclosure=disclosure, text=f"Note {n}")
    # The report by its link (with its vulnerability), its status changes from the audit trail, and what
    # the reporter added.
    with django_assert_num_queries(3):
        response = client.get(reported)
    assert response.content.count(b'data-testid="disclosure-message"') == messages


def test_the_officer_pages_ask_anonymous_to_sign_in(client, intake, reported):
    disclosure = Disclosure.objects.get()
    for url in (reverse("vulnerabilities:disclosures"), reverse("vulnerabilities:disclosure_policy")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    for name in ("vulnerabilities:disclosure_revoke", "vulnerabilities:disclosure_move"):
        response = client.post(reverse(name, args=[disclosure.pk]))
        assert response.status_code == 302
    disclosure.refresh_from_db()
    assert disclosure.link_revoked_at is None


def test_files_alone_may_be_added(client, intake, reported):
    response = client.post(reported, {"attachments": [upload("only.png", PNG)]})
    assert response.status_code == 302
    assert DisclosureMessage.objects.get().file_names == ["only.png"]


def test_nothing_to_add_is_a_form_error(client, intake, reported):
    response = client.post(reported, {"text": "  "})
    assert response.status_code == 400
    assert not DisclosureMessage.objects.exists()


@pytest.mark.parametrize("count", [1, 6])
def test_the_officers_list_runs_a_fixed_number_of_queries(
    client_for, security_officer, intake, count, django_assert_num_queries
):
    from tests.vulnerabilities.factories import VulnerabilityFactory

    for n in range(count):
        Disclosure.objects.create(
            vulnerability=VulnerabilityFactory(system=intake),
            location="https://www.example.com",
            steps="Steps.",
            reporter_contact=f"r{n}@example.net",
            token_prefix=f"p{n:011d}",
            token_hash="0" * 64,
        )
    client = client_for(security_officer)
    listing = reverse("vulnerabilities:disclosures")
    client.get(listing)
    # The session and its person (2), allauth's user session (5), the person's roles, the count, the page of
    # reports with vulnerability, system and incident, the systems of the move menus (once), the unread
    # badge, and the session saved (3).
    with django_assert_num_queries(15):
        response = client.get(listing)
    assert response.content.count(b'data-testid="revoke-link"') == count


def test_the_reporter_sees_their_own_title_after_the_register_renames_it(
    client, intake, reported, security_officer
):
    disclosure = Disclosure.objects.get()
    register.vulnerability_update(
        actor=security_officer,
        vulnerability=disclosure.vulnerability,
        title="XSS in legacy CRM inbox (internal)",
    )
    page = client.get(reported)
    assert b"Stored XSS in the contact form" in page.content
    assert b"legacy CRM" not in page.content
