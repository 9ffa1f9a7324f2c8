"""A closed campaign's evidence as a PDF: asked for on the campaign, written by the worker, read back with
pdftotext; it carries the evidence CSV's SHA-256 and the manifest's, its own hash is in the audit trail, and
only security officers and auditors ask for it, watch it and download it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.choices import Decision, DefaultDecision
from access.models import PdfExport, ReviewItem
from access.services import evidence
from access.services.closing import campaign_close
from access.tasks import render_evidence_pdf
from dpms.pdf import PdfStatus
from tests.access.closing_support import campaign_with_items
from tests.dpms.outbox_support import wait_until
from tests.pdf_support import generated_event, pdf_renderer, pdf_text, sha256, stored_pdf  # noqa: F401

ACTION = "access.pdf.generated"
pytestmark = pytest.mark.usefixtures("pdf_renderer")


def closed_campaign(officer, n=12, revokes=3):
    campaign = campaign_with_items(n, default_decision=DefaultDecision.KEEP, auto_apply=False)
    items = list(campaign.items.order_by("pk"))
    ReviewItem.objects.filter(pk__in=[i.pk for i in items[:revokes]]).update(
        decision=Decision.REVOKE,
        justification="Left the project",
        decided_by=officer,
        decided_at=timezone.now(),
    )
    ReviewItem.objects.filter(pk__in=[i.pk for i in items[revokes : revokes + 2]]).update(
        decision=Decision.KEEP, decided_by=officer, decided_at=timezone.now()
    )
    from access.services.tallies import tally_recount

    tally_recount(campaign_id=campaign.pk)
    return campaign_close(campaign=campaign, actor=officer, now=timezone.now())


def ask(client, campaign, **headers):
    return client.post(reverse("access:evidence_pdf_request", args=[campaign.pk]), **headers)


@pytest.mark.celery
def test_the_worker_writes_the_pdf_with_the_evidence_hash_and_records_its_own(
    celery_worker, client_for, security_officer
):
    campaign = closed_campaign(security_officer)
    client = client_for(security_officer)

    response = ask(client, campaign)

    export = PdfExport.objects.get(campaign=campaign)
    assert response.status_code == 302
    assert response["Location"] == reverse("access:evidence_pdf", args=[export.pk])
    assert wait_until(lambda: PdfExport.objects.get(pk=export.pk).status == PdfStatus.READY, timeout=60)
    download = client.get(reverse("access:evidence_pdf_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    data = b"".join(download.streaming_content)
    text = pdf_text(data)
    csv_url = reverse("access:campaign_evidence_csv", args=[campaign.pk])
    csv_download = b"".join(client.get(csv_url).streaming_content)
    assert sha256(csv_download) in text  # the hash of the very bytes an auditor downloads
    assert campaign.evidence_sha256 in text
    assert sha256(evidence.manifest_bytes(campaign)) in text
    assert campaign.name in text
    assert "Completion per reviewer" in text
    assert "Sign-off" in text
    assert text.count("task open") == 3  # every revoke with its state
    assert "Page 1 of" in text
    event = generated_event(ACTION, export)
    assert event.changes["pdf_sha256"] == sha256(data)
    assert event.changes["csv_sha256"] == campaign.evidence_sha256
    assert event.object_id == str(campaign.pk)
    export.refresh_from_db()
    assert export.pdf_sha256 == sha256(data)
    assert export.progress == 100
    page = reverse("access:evidence_pdf", args=[export.pk])
    assert security_officer.notifications.filter(link=page).exists()


def test_the_numbers_and_a_done_task_read_as_they_are(client_for, security_officer):
    campaign = closed_campaign(security_officer, n=10, revokes=2)
    task = campaign.items.filter(decision=Decision.REVOKE).first().revocation_task
    task.status, task.done_at, task.done_by = "done", timezone.now(), security_officer
    task.save()
    ask(client_for(security_officer), campaign)
    export = PdfExport.objects.get(campaign=campaign)

    assert render_evidence_pdf(export.pk) == "ready"
    assert render_evidence_pdf(export.pk) == "not queued"  # a second run of the task changes nothing

    export.refresh_from_db()
    text = pdf_text(stored_pdf(export))
    assert "task done" in text
    assert "task open" in text
    # 10 items: 4 decided by a person, 6 took the default at close.
    lines = text.splitlines()
    assert any(line.split()[-2:] == ["4", "40%"] for line in lines if "Reviewed by a person" in line)
    assert any(line.split()[-2:] == ["6", "60%"] for line in lines if "Defaulted" in line)
    assert PdfExport.objects.get(pk=export.pk).csv_file == ""  # the evidence file is kept by the campaign


def test_a_german_requester_gets_a_german_pdf(client_for, security_officer):
    campaign = closed_campaign(security_officer)
    ask(client_for(security_officer), campaign, HTTP_ACCEPT_LANGUAGE="de")
    export = PdfExport.objects.get(campaign=campaign)
    assert export.language == "de"

    render_evidence_pdf(export.pk)

    text = pdf_text(stored_pdf(PdfExport.objects.get(pk=export.pk)))
    assert "Seite 1 von" in text
    assert "Completion per reviewer" not in text
    assert campaign.evidence_sha256 in text


def test_who_may_ask_watch_and_download(client, client_for, security_officer, auditor, staff, manager):
    campaign = closed_campaign(security_officer)
    url = reverse("access:evidence_pdf_request", args=[campaign.pk])

    anonymous = client.post(url)
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]
    assert ask(client_for(staff), campaign).status_code == 403
    assert ask(client_for(manager), campaign).status_code == 403
    assert not PdfExport.objects.exists()
    assert ask(client_for(auditor), campaign).status_code == 302
    export = PdfExport.objects.get()
    render_evidence_pdf(export.pk)
    pages = [
        reverse("access:evidence_pdf", args=[export.pk]),
        reverse("access:evidence_pdf_progress", args=[export.pk]),
        reverse("access:evidence_pdf_download", args=[export.pk]),
    ]
    for page in pages:
        assert client_for(staff).get(page).status_code == 403
    for person in (auditor, security_officer):
        for page in pages:
            assert client_for(person).get(page).status_code == 200, (person, page)
    assert client_for(auditor).get(reverse("access:evidence_pdf", args=[export.pk + 99])).status_code == 404


def test_an_open_campaign_has_no_pdf(client_for, security_officer):
    campaign = campaign_with_items(3)
    assert ask(client_for(security_officer), campaign).status_code == 404
    assert not PdfExport.objects.exists()


def test_the_pdf_page_shows_the_progress_then_the_downloads(client_for, auditor, security_officer):
    campaign = closed_campaign(security_officer)
    client = client_for(auditor)
    ask(client, campaign)
    export = PdfExport.objects.get()
    page = reverse("access:evidence_pdf", args=[export.pk])

    running = client.get(page).content.decode()
    assert 'data-testid="pdf-progress"' in running
    assert reverse("access:evidence_pdf_progress", args=[export.pk]) in running
    render_evidence_pdf(export.pk)
    done = client.get(page).content.decode()
    polled = client.get(reverse("access:evidence_pdf_progress", args=[export.pk]), HTTP_HX_REQUEST="true")

    assert reverse("access:evidence_pdf_download", args=[export.pk]) in done
    assert PdfExport.objects.get().pdf_sha256 in done
    assert polled["HX-Refresh"] == "true"


@pytest.mark.parametrize("size", [3, 40])
def test_the_pdf_page_costs_the_same_queries_at_any_size(client_for, security_officer, size):
    campaign = closed_campaign(security_officer, n=size, revokes=2)
    client = client_for(security_officer)
    ask(client, campaign)
    export = PdfExport.objects.get()
    render_evidence_pdf(export.pk)
    client.get(reverse("access:evidence_pdf", args=[export.pk]))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("access:evidence_pdf", args=[export.pk])).status_code == 200
    assert len(queries) == PAGE_QUERIES, "\n".join(q["sql"][:120] for q in queries)


# The frame of every signed-in page: the session, its user, the session record's touch (savepoint, read, user,
# update, release), the user's groups, the unread-notifications count and the session's save (savepoint,
# update, release): 12; the page itself: the export with its requester and campaign (1), at any size.
PAGE_QUERIES = 13
