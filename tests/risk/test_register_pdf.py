"""The risk register at a date as a PDF: heat maps and every risk above appetite with owner, treatment and
acceptance, the register CSV written beside it with its SHA-256 printed in the PDF (the same bytes as the
register's CSV download), the PDF's own hash in the audit trail; for security officers and auditors only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dpms.pdf import PdfStatus
from risk.choices import AcceptanceStatus, ActionStatus
from risk.models import PdfExport
from risk.tasks import render_register_pdf
from tests.dpms.outbox_support import wait_until
from tests.pdf_support import generated_event, pdf_renderer, pdf_text, sha256, stored_csv, stored_pdf  # noqa: F401
from tests.risk.factories import RiskAcceptanceFactory, RiskFactory, TreatmentActionFactory, active_matrix

ACTION = "risk.pdf.generated"
pytestmark = pytest.mark.usefixtures("pdf_renderer")


def register(officer):
    active_matrix()
    high = RiskFactory(title="Ransomware on file servers", current_likelihood=4, current_impact=4)
    TreatmentActionFactory(
        risk=high, title="Offline backups", due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    RiskAcceptanceFactory(risk=high, status=AcceptanceStatus.APPROVED, rationale="Insurance covers it")
    RiskFactory(title="Coffee machine outage", current_likelihood=0, current_impact=0)
    return high


def ask(client, day=None):
    day = day or timezone.localdate()
    return client.post(reverse("risk:register_pdf_request"), {"as_of": day.isoformat()})


@pytest.mark.celery
def test_the_worker_prints_the_register_with_its_csv_hash(celery_worker, client_for, security_officer):
    high = register(security_officer)
    client = client_for(security_officer)

    response = ask(client)

    export = PdfExport.objects.get()
    assert response["Location"] == reverse("risk:register_pdf", args=[export.pk])
    assert wait_until(lambda: PdfExport.objects.get(pk=export.pk).status == PdfStatus.READY, timeout=60)
    data = b"".join(client.get(reverse("risk:register_pdf_download", args=[export.pk])).streaming_content)
    text = pdf_text(data)
    kept_csv = b"".join(client.get(reverse("risk:register_pdf_csv", args=[export.pk])).streaming_content)
    live_csv = b"".join(client.get(reverse("risk:register_csv")).streaming_content)
    assert kept_csv == live_csv  # nothing changed since: the register's own download gives the same bytes
    assert sha256(kept_csv) in text
    assert high.reference in text
    assert "Ransomware on file servers" in text
    assert "Coffee machine outage" not in text  # within appetite: in the CSV and the heat maps only
    assert "Offline backups" in text
    assert "· overdue" in text
    assert "Insurance covers it" in text
    assert "Heat maps" in text
    event = generated_event(ACTION, export)
    assert event.changes["pdf_sha256"] == sha256(data)
    assert event.changes["csv_sha256"] == sha256(kept_csv)


def test_the_day_is_asked_and_cannot_be_later_than_today(client_for, auditor):
    client = client_for(auditor)
    form = client.get(reverse("risk:register_pdf_request"))
    assert form.status_code == 200
    assert timezone.localdate().isoformat() in form.content.decode()

    later = ask(client, timezone.localdate() + datetime.timedelta(days=1))

    assert later.status_code == 400
    assert not PdfExport.objects.exists()


def test_acceptance_and_actions_are_judged_on_the_day_asked(client_for, security_officer):
    high = register(security_officer)
    high.acceptances.update(expires_on=timezone.localdate() - datetime.timedelta(days=10))
    high.actions.update(status=ActionStatus.OPEN)
    ask(client_for(security_officer), timezone.localdate() - datetime.timedelta(days=20))
    export = PdfExport.objects.get()

    assert render_register_pdf(export.pk) == "ready"

    export.refresh_from_db()
    text = pdf_text(stored_pdf(export))
    accepted = [line for line in text.splitlines() if "Accepted on that day" in line]
    assert accepted[0].split()[-1] == "Yes"  # in force 20 days ago, expired since
    assert "· overdue" not in text  # the action fell due 3 days ago, after the day asked
    assert sha256(stored_csv(export)) == export.csv_sha256


def test_who_may_ask_and_download(client, client_for, security_officer, auditor, staff, manager):
    register(security_officer)
    url = reverse("risk:register_pdf_request")
    assert "login" in client.get(url)["Location"]
    for person in (staff, manager):
        assert client_for(person).get(url).status_code == 403
        assert ask(client_for(person)).status_code == 403
    assert ask(client_for(security_officer)).status_code == 302
    export = PdfExport.objects.get()
    render_register_pdf(export.pk)
    pages = [
        reverse(name, args=[export.pk])
        for name in (
            "risk:register_pdf",
            "risk:register_pdf_progress",
            "risk:register_pdf_download",
            "risk:register_pdf_csv",
        )
    ]
    for page in pages:
        assert client_for(staff).get(page).status_code == 403
        assert client_for(auditor).get(page).status_code == 200


@pytest.mark.parametrize("size", [1, 30])
def test_the_request_page_costs_the_same_at_any_size(client_for, security_officer, size):
    active_matrix()
    RiskFactory.create_batch(size)
    client = client_for(security_officer)
    client.get(reverse("risk:register_pdf_request"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("risk:register_pdf_request")).status_code == 200
    # The signed-in frame (12, as on every page: tests/access/test_evidence_pdf.py); the form reads nothing.
    assert len(queries) == 12, "\n".join(q["sql"][:120] for q in queries)


def test_a_german_requester_gets_a_german_register(client_for, security_officer):
    register(security_officer)
    client_for(security_officer).post(
        reverse("risk:register_pdf_request"),
        {"as_of": timezone.localdate().isoformat()},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    export = PdfExport.objects.get()
    assert export.language == "de"

    render_register_pdf(export.pk)

    export.refresh_from_db()
    text = pdf_text(stored_pdf(export))
    assert "Risiken über dem Risikoappetit" in text
    assert "Seite 1 von" in text
    assert "Risks above appetite" not in text
    assert export.csv_sha256 in text
