"""The PDF foundation (dpms.pdf): no network while rendering, the CSV bytes of the downloads, "Page 1 of 3"
in the reader's language, a failing or impossible render marked failed and never audited."""

import pytest
from django.urls import reverse
from django.utils import translation

from access.models import PdfExport
from dpms import pdf
from dpms.csvexport import streaming_csv
from dpms.models import AuditEvent
from tests.access.test_evidence_pdf import closed_campaign
from tests.pdf_support import pdf_renderer, pdf_text  # noqa: F401 - pdf_renderer is a fixture

pytestmark = pytest.mark.django_db


def test_only_our_own_static_files_are_served_to_the_renderer():
    assert pdf.static_file_for(pdf.BASE_URL + "static/css/print.css").name == "print.css"
    for url in (
        "https://example.com/tracker.png",
        "http://127.0.0.1:8000/admin/",
        "file:///etc/passwd",
        pdf.BASE_URL + "static/../../etc/passwd",
        pdf.BASE_URL + "static/css/missing.css",
        "file://evil.example/dpms-pdf/static/css/print.css",
        "data:text/css,body{}",
    ):
        with pytest.raises(ValueError, match="only its own static files"):
            pdf.static_file_for(url)


@pytest.mark.usefixtures("pdf_renderer")
def test_a_page_that_names_a_remote_image_renders_without_fetching_it(monkeypatch):
    from weasyprint import HTML

    asked = []
    real = pdf.static_file_for
    monkeypatch.setattr(pdf, "static_file_for", lambda url: asked.append(url) or real(url))
    page = (
        '<link rel="stylesheet" href="static/css/print.css">'
        '<img src="https://example.com/beacon.png" alt="beacon"><p>Body text</p>'
    )

    data = HTML(string=page, base_url=pdf.BASE_URL, url_fetcher=pdf.url_fetcher()).write_pdf()

    assert "Body text" in pdf_text(data)
    assert asked == [pdf.BASE_URL + "static/css/print.css", "https://example.com/beacon.png"]
    # The stylesheet was served, the image refused: nothing left the machine.


def test_csv_bytes_are_the_bytes_the_download_sends():
    header = ("reference", "title", "when")
    rows = [("R-1", "=cmd|' /C calc'!A0", None), ("R-2", 'Quote "and", comma\nnew line', "x")]
    response = streaming_csv(name="t", header=header, rows=rows)
    assert pdf.csv_bytes(header, rows) == b"".join(response.streaming_content)


def test_the_page_counter_is_one_translated_sentence():
    assert pdf.page_counter_css() == '"Page " counter(page) " of " counter(pages)'
    with translation.override("de"):
        assert pdf.page_counter_css() == '"Seite " counter(page) " von " counter(pages)'


@pytest.mark.usefixtures("pdf_renderer")
def test_a_render_that_fails_marks_the_job_failed_and_records_nothing(security_officer):
    campaign = closed_campaign(security_officer)
    export = PdfExport.objects.create(
        campaign=campaign, subject="Evidence", requested_by=security_officer, language="en"
    )

    def broken(_export):
        raise RuntimeError("template went missing")

    assert pdf.export_run(PdfExport, export.pk, broken, action="access.pdf.generated") == "failed"
    export.refresh_from_db()
    assert export.status == pdf.PdfStatus.FAILED
    assert "template went missing" in export.error
    assert not AuditEvent.objects.filter(action="access.pdf.generated").exists()


def test_without_weasyprint_the_job_fails_saying_why_and_the_page_says_so(
    monkeypatch, client_for, security_officer
):
    monkeypatch.setattr(pdf, "unavailable", lambda: "WeasyPrint cannot load: no Pango")
    campaign = closed_campaign(security_officer)
    client = client_for(security_officer)

    client.post(reverse("access:evidence_pdf_request", args=[campaign.pk]))
    export = PdfExport.objects.get()

    assert pdf.export_run(PdfExport, export.pk, lambda e: None, action="access.pdf.generated") == "failed"

    page = client.get(reverse("access:evidence_pdf", args=[export.pk]))
    assert page.status_code == 200
    assert 'data-testid="pdf-unavailable"' in page.content.decode()
    assert 'data-testid="pdf-failed"' in page.content.decode()
    assert PdfExport.objects.get().error == "WeasyPrint cannot load: no Pango"


def test_the_tick_sends_a_lost_job_again_and_gives_up_on_a_dead_render(monkeypatch, security_officer):
    from datetime import timedelta

    from django.utils import timezone

    from access.services.evidence import PDF_TASK, pdf_exports_sweep

    sent = []
    monkeypatch.setattr(pdf, "enqueue", lambda task, args: sent.append((task, list(args))) or True)
    campaign = closed_campaign(security_officer)
    now = timezone.now()

    def job(status, minutes_ago):
        return PdfExport.objects.create(
            campaign=campaign,
            subject="Evidence",
            requested_by=security_officer,
            language="en",
            status=status,
            created_at=now - timedelta(minutes=minutes_ago),
        )

    lost = job(pdf.PdfStatus.QUEUED, 6)
    job(pdf.PdfStatus.QUEUED, 1)  # just asked for: its message is on its way
    dead = job(pdf.PdfStatus.RENDERING, 31)
    busy = job(pdf.PdfStatus.RENDERING, 2)

    assert pdf_exports_sweep(now=now) == 2

    assert sent == [(PDF_TASK, [lost.pk])]
    dead.refresh_from_db()
    busy.refresh_from_db()
    assert dead.status == pdf.PdfStatus.FAILED
    assert busy.status == pdf.PdfStatus.RENDERING
