"""Incidents as PDFs: an incident (its facts, the timeline the asker sees, breach decisions and the GDPR/NIS2
clocks met or missed) and the breach register (Art. 33(5) GDPR), each with the CSV written beside it and its
SHA-256 printed in the PDF, the PDF's own hash in the audit trail; who may ask, watch and download."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dpms.pdf import PdfStatus
from incidents.models import PdfExport
from incidents.services.breach import authority_record_not_required, authority_record_notified
from incidents.tasks import render_pdf
from tests.dpms.outbox_support import wait_until
from tests.incidents.breach_support import after, make_breach
from tests.incidents.factories import IncidentEventFactory, IncidentFactory
from tests.pdf_support import (  # noqa: F401 - pdf_renderer is a fixture
    generated_event,
    pdf_renderer,
    pdf_text,
    sha256,
    stored_csv,
    stored_pdf,
)

ACTION = "incidents.pdf.generated"
pytestmark = pytest.mark.usefixtures("pdf_renderer")


def late_breach(officer):
    incident = make_breach(officer, title="Laptop stolen from a car", breach_effects="Customer list exposed")
    authority_record_notified(
        actor=officer,
        incident=incident,
        notified_at=after(80),
        reference="LDA-42",
        delay_reason="Forensics took time.",
        now=after(81),
    )
    IncidentEventFactory(incident=incident, internal=True, text="Called the police")
    IncidentEventFactory(incident=incident, internal=False, text="Thanks for reporting")
    return incident


def ask_incident(client, incident):
    return client.post(reverse("incidents:incident_pdf", args=[incident.pk]))


@pytest.mark.celery
def test_the_worker_writes_an_incident_pdf_with_its_timeline_hash(
    celery_worker, client_for, security_officer
):
    incident = late_breach(security_officer)
    client = client_for(security_officer)

    response = ask_incident(client, incident)

    export = PdfExport.objects.get()
    assert response["Location"] == reverse("incidents:pdf", args=[export.pk])
    assert wait_until(lambda: PdfExport.objects.get(pk=export.pk).status == PdfStatus.READY, timeout=60)
    data = b"".join(client.get(reverse("incidents:pdf_download", args=[export.pk])).streaming_content)
    kept_csv = b"".join(client.get(reverse("incidents:pdf_csv", args=[export.pk])).streaming_content)
    text = pdf_text(data)
    assert sha256(kept_csv) in text
    assert incident.reference in text
    assert "Called the police" in text  # internal: the officer sees it
    assert "Customer list exposed" in text
    assert "LDA-42" in text
    gdpr = [line for line in text.splitlines() if "Art. 33 GDPR, 72 hours" in line]
    assert gdpr[0].split()[-1] == "missed"  # told 80 hours after awareness
    assert b"Called the police" in kept_csv
    event = generated_event(ACTION, export)
    assert event.changes["pdf_sha256"] == sha256(data)
    assert event.changes["csv_sha256"] == sha256(kept_csv)
    assert event.object_id == str(incident.pk)


def test_the_breach_register_pdf_lists_every_breach_and_hashes_the_register_csv(
    client_for, auditor, security_officer
):
    late = late_breach(security_officer)
    skipped = make_breach(security_officer, title="Encrypted USB stick lost")
    authority_record_not_required(actor=security_officer, incident=skipped, reason="Encrypted", now=after(2))
    IncidentFactory(title="Not a breach at all")
    client = client_for(auditor)

    assert client.post(reverse("incidents:breach_register_pdf")).status_code == 302
    export = PdfExport.objects.get()
    assert render_pdf(export.pk) == "ready"

    export.refresh_from_db()
    text = pdf_text(stored_pdf(export))
    kept_csv = stored_csv(export)
    assert sha256(kept_csv) == export.csv_sha256
    assert export.csv_sha256 in text
    assert late.reference in text
    assert skipped.reference in text
    assert "Not a breach at all" not in text
    assert "Art. 33(5) GDPR" in text
    assert "Forensics took time." in text
    # The kept CSV is the register's CSV download: same columns, same rows.
    live_csv = b"".join(client.get(reverse("incidents:breach_register")).streaming_content)
    assert kept_csv.splitlines()[0] == live_csv.splitlines()[0]
    assert sorted(kept_csv.splitlines()) == sorted(live_csv.splitlines())


def test_the_reporter_only_sees_no_pdf_and_outsiders_are_not_told_it_exists(
    client_for, security_officer, staff, outsider, auditor
):
    incident = late_breach(security_officer)
    incident.reported_by = staff
    incident.save(update_fields=["reported_by"])

    assert ask_incident(client_for(staff), incident).status_code == 403
    assert ask_incident(client_for(outsider), incident).status_code == 404
    assert client_for(staff).post(reverse("incidents:breach_register_pdf")).status_code == 403
    assert not PdfExport.objects.exists()
    assert ask_incident(client_for(auditor), incident).status_code == 302
    export = PdfExport.objects.get()
    render_pdf(export.pk)
    pages = [
        reverse(name, args=[export.pk])
        for name in ("incidents:pdf", "incidents:pdf_progress", "incidents:pdf_download", "incidents:pdf_csv")
    ]
    for page in pages:
        assert client_for(staff).get(page).status_code == 403
        assert client_for(outsider).get(page).status_code == 404
        assert client_for(security_officer).get(page).status_code == 200


def test_anonymous_signs_in_first_and_the_csv_holds_what_the_asker_sees(client, client_for, security_officer):
    incident = late_breach(security_officer)
    assert "login" in client.post(reverse("incidents:incident_pdf", args=[incident.pk]))["Location"]
    ask_incident(client_for(security_officer), incident)
    export = PdfExport.objects.get()
    render_pdf(export.pk)
    kept = stored_csv(PdfExport.objects.get())
    assert b"Thanks for reporting" in kept
    assert b"Called the police" in kept


@pytest.mark.parametrize("size", [1, 20])
def test_the_pdf_page_costs_the_same_at_any_size(client_for, security_officer, size):
    incident = late_breach(security_officer)
    IncidentEventFactory.create_batch(size, incident=incident)
    client = client_for(security_officer)
    ask_incident(client, incident)
    export = PdfExport.objects.get()
    render_pdf(export.pk)
    client.get(reverse("incidents:pdf", args=[export.pk]))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("incidents:pdf", args=[export.pk])).status_code == 200
    # The signed-in frame (12: tests/access/test_evidence_pdf.py); the export with its incident (1), and who
    # sees the internal timeline: the officer is a responder, asked without a query for a plain incident.
    assert len(queries) == 13, "\n".join(q["sql"][:120] for q in queries)


def test_a_german_requester_gets_a_german_register(client_for, security_officer):
    late_breach(security_officer)
    client_for(security_officer).post(reverse("incidents:breach_register_pdf"), HTTP_ACCEPT_LANGUAGE="de")
    export = PdfExport.objects.get()

    render_pdf(export.pk)

    export.refresh_from_db()
    text = pdf_text(stored_pdf(export))
    assert "Art. 33 Abs. 5 DSGVO" in text
    assert "Seite 1 von" in text
    assert "versäumt" in text  # the 72 hours, missed
    assert export.csv_sha256 in text
