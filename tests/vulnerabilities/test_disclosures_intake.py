"""The public report form: anyone may report without an account; a report is recorded as a vulnerability
(source disclosure) and an incident of category "vulnerability report" for triage, the officers are told,
and the reporter gets a reference and a private link. Bots are refused (honeypot, sent too fast), files
follow the incident attachment rules, and each address may send five reports per window."""

import time

import pytest
from django.contrib.auth import get_user_model

from dpms.models import AuditEvent, Notification
from incidents.choices import Category
from incidents.models import Incident, IncidentAttachment
from tests.incidents.reporting_support import EXE, PNG
from tests.vulnerabilities.disclosures_support import (  # noqa: F401 - fixtures
    REPORT,
    attachments_dir_fixture,
    filled,
    intake_fixture,
    send,
    upload,
)
from vulnerabilities.choices import VulnerabilitySource, VulnerabilityStatus
from vulnerabilities.forms.disclosures import fill_token
from vulnerabilities.models import Disclosure, Vulnerability
from vulnerabilities.queries.disclosures import DEFAULT_POLICY

pytestmark = pytest.mark.django_db


def nothing_stored():
    return not (Vulnerability.objects.exists() or Incident.objects.exists() or Disclosure.objects.exists())


def test_the_page_shows_the_policy_and_the_form_without_sign_in(client, intake):
    response = client.get(REPORT)
    assert response.status_code == 200
    assert DEFAULT_POLICY.splitlines()[0].encode() in response.content
    assert b'data-testid="disclosure-form"' in response.content
    assert b'class="honeypot" aria-hidden="true"' in response.content


def test_an_anonymous_report_is_recorded_with_its_incident(client, settings, intake, security_officer):
    response = send(client)
    assert response.status_code == 201
    vulnerability = Vulnerability.objects.get()
    assert (vulnerability.source, vulnerability.status) == (
        VulnerabilitySource.DISCLOSURE,
        VulnerabilityStatus.NEW,
    )
    assert vulnerability.system == intake
    assert vulnerability.title == "Stored XSS in the contact form"
    assert "researcher@example.net" in vulnerability.description
    incident = Incident.objects.get()
    assert incident.category == Category.VULNERABILITY
    assert incident.title == "Vulnerability report: Stored XSS in the contact form"
    assert vulnerability.reference in incident.description
    assert incident.reported_by.email == get_user_model().objects.get(is_active=False).email  # the outsider
    disclosure = Disclosure.objects.get()
    assert (disclosure.vulnerability, disclosure.incident) == (vulnerability, incident)
    # The reference and the private link, shown once; only the secret's hash is kept.
    assert vulnerability.reference.encode() in response.content
    link = response.context["link"]
    assert link.startswith(f"{settings.SITE_URL}/security/report/")
    assert link.rsplit("_", 1)[-1] not in disclosure.token_hash
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    # The officers are told (the incident's report notice).
    assert Notification.objects.filter(
        recipient=security_officer, subject__contains=incident.reference
    ).exists()
    assert AuditEvent.objects.filter(action="vulnerabilities.disclosure.submit").exists()


def test_the_honeypot_refuses_bots(client, intake):
    response = send(client, website="http://spam.example")
    assert response.status_code == 400
    assert b"looks automated" in response.content
    assert nothing_stored()


def test_a_report_sent_too_fast_is_refused(client, intake):
    response = send(client, started=fill_token(time.time()))
    assert response.status_code == 400
    assert b"looks automated" in response.content
    assert nothing_stored()


@pytest.mark.parametrize("started", ["", "forged", None])
def test_a_missing_or_forged_start_is_refused(client, intake, started):
    assert send(client, started=started).status_code == 400
    assert nothing_stored()


def test_a_form_open_more_than_a_day_is_asked_again(client, intake):
    response = send(client, started=fill_token(time.time() - 2 * 24 * 3600))
    assert response.status_code == 400
    assert b"open for more than a day" in response.content
    assert nothing_stored()


def test_missing_fields_are_form_errors(client, intake):
    response = send(client, title="", steps="")
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"title", "steps"}
    assert nothing_stored()


def test_a_pgp_key_must_look_like_one(client, intake):
    response = send(client, pgp_key="my key is 1234")
    assert response.status_code == 400
    assert "BEGIN PGP PUBLIC KEY BLOCK" in response.context["form"].errors["pgp_key"][0]
    assert nothing_stored()


def test_the_sixth_report_from_one_address_in_the_window_gets_429(client, intake):
    for _ in range(5):
        assert send(client).status_code == 201
    response = send(client)
    assert response.status_code == 429
    assert b"Too many reports from your address" in response.content
    assert int(response["Retry-After"]) == 3600
    assert Vulnerability.objects.count() == 5
    # Another address is not held back.
    assert client.post(REPORT, filled(), REMOTE_ADDR="198.51.100.7").status_code == 201


def test_a_mistake_gives_its_try_back_but_a_bot_does_not(client, intake):
    for _ in range(5):
        assert send(client, title="").status_code == 400
    assert send(client).status_code == 201
    for _ in range(4):
        assert send(client, website="x").status_code == 400
    assert send(client).status_code == 429


def test_files_follow_the_incident_attachment_rules(client, intake):
    response = client.post(REPORT, {**filled(), "attachments": [upload("setup.pdf", EXE)]})
    assert response.status_code == 400
    assert "is not a file type we accept" in " ".join(response.context["form"].errors["attachments"])
    assert nothing_stored()
    response = client.post(REPORT, {**filled(), "attachments": [upload("proof.png", PNG)]})
    assert response.status_code == 201
    attachment = IncidentAttachment.objects.get()
    assert attachment.incident == Incident.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.internal) == (
        "proof.png",
        "image/png",
        False,
    )


def test_at_most_five_files(client, intake):
    files = [upload(f"p{n}.png", PNG) for n in range(6)]
    response = client.post(REPORT, {**filled(), "attachments": files})
    assert response.status_code == 400
    assert "at most 5" in " ".join(response.context["form"].errors["attachments"])
    assert nothing_stored()


def test_without_an_intake_system_the_form_says_so(client, settings, attachments_dir):
    settings.DISCLOSURE_SYSTEM = ""  # and no portal system exists in this test
    response = send(client)
    assert response.status_code == 400
    assert b"Reports cannot be taken here right now" in response.content
