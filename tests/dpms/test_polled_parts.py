"""The parts of a page htmx asks for by itself, polling every few seconds (a progress bar, a verification
under way): their answers leave the session as the page saved it, so a sign-out while one is on its way is no
400 in the page; and any part of a page sent to sign in takes its whole page there, not the form into the
part (``dpms.middleware.HtmxSignInMiddleware``)."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse

from access.choices import CampaignStatus
from access.models import ImportJob
from access.models import PdfExport as AccessPdf
from dpms.middleware import SIGNED_IN_AT
from dpms.models import AuditVerification
from incidents.models import PdfExport as IncidentPdf
from risk.models import PdfExport as RiskPdf
from tests.access.factories import ReviewCampaignFactory
from vulnerabilities.models import ScanImport

pytestmark = pytest.mark.django_db


def _import_job(user):
    job = ImportJob.objects.create(uploaded_by=user, filename="grants.csv", sha256="0" * 64, content=b"x")
    return (
        job,
        reverse("access:import_job_progress", args=[job.pk]),
        reverse("access:import_job", args=[job.pk]),
    )


def _launch(user):
    campaign = ReviewCampaignFactory(status=CampaignStatus.LAUNCHING)
    url = reverse("access:campaign_launch_progress", args=[campaign.pk])
    return campaign, url, reverse("access:campaign_detail", args=[campaign.pk])


def _evidence_pdf(user):
    campaign = ReviewCampaignFactory(status=CampaignStatus.CLOSED)
    export = AccessPdf.objects.create(subject="Q4", requested_by=user, language="en", campaign=campaign)
    url = reverse("access:evidence_pdf_progress", args=[export.pk])
    return export, url, reverse("access:evidence_pdf", args=[export.pk])


def _register_pdf(user):
    export = RiskPdf.objects.create(
        subject="Register", requested_by=user, language="en", as_of=datetime.date.today()
    )
    url = reverse("risk:register_pdf_progress", args=[export.pk])
    return export, url, reverse("risk:register_pdf", args=[export.pk])


def _breach_pdf(user):
    export = IncidentPdf.objects.create(subject="Breaches", requested_by=user, language="en", kind="breaches")
    return (
        export,
        reverse("incidents:pdf_progress", args=[export.pk]),
        reverse("incidents:pdf", args=[export.pk]),
    )


def _scan_import(user):
    scan = ScanImport.objects.create(uploaded_by=user, filename="scan.json", sha256="0" * 64, content=b"{}")
    url = reverse("vulnerabilities:scan_import_progress", args=[scan.pk])
    return scan, url, reverse("vulnerabilities:scan_import", args=[scan.pk])


def _verification(user):
    run = AuditVerification.objects.create(requested_by=user)
    return run, reverse("audit_verification", args=[run.pk]), reverse("audit_trail")


POLLED = [_import_job, _launch, _evidence_pdf, _register_pdf, _breach_pdf, _scan_import, _verification]


def _signing_out_when_read(table):
    """A query wrapper that deletes every session (a sign-out in another tab) just before the view first
    reads ``table``: after the request has loaded its session, before its answer is made."""
    state = {"done": False}

    def wrapper(execute, sql, params, many, context):
        if not state["done"] and table in sql:
            state["done"] = True
            Session.objects.all().delete()
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.parametrize("make", POLLED, ids=lambda make: make.__name__.strip("_"))
def test_a_poll_arriving_after_its_reader_signed_out_is_no_error(client_for, security_officer, auditor, make):
    reader = auditor if make is _verification else security_officer
    client = client_for(reader)
    obj, poll, _page = make(reader)

    with connection.execute_wrapper(_signing_out_when_read(obj._meta.db_table)):
        response = client.get(poll, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert not Session.objects.exists()


@pytest.mark.parametrize("make", POLLED, ids=lambda make: make.__name__.strip("_"))
def test_a_poll_leaves_the_session_as_its_page_saved_it(client_for, security_officer, auditor, make):
    """A page left open with a job under way does not keep the person signed in: only their own requests
    renew the idle window."""
    reader = auditor if make is _verification else security_officer
    client = client_for(reader)
    _obj, poll, page = make(reader)
    assert client.get(page).status_code == 200
    renewed = Session.objects.get().expire_date

    assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 200
    assert Session.objects.get().expire_date == renewed
    client.get(page)
    assert Session.objects.get().expire_date > renewed


@pytest.mark.parametrize("make", POLLED, ids=lambda make: make.__name__.strip("_"))
def test_a_poll_sent_to_sign_in_takes_its_page_there(client, security_officer, make):
    _obj, poll, page = make(security_officer)

    response = client.get(poll, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page}?tab=1")

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next={page}%3Ftab%3D1"


def test_without_htmx_the_sign_in_redirect_is_django_s(client, security_officer):
    _obj, poll, _page = _import_job(security_officer)

    response = client.get(poll)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={poll}"
    assert "HX-Redirect" not in response


@pytest.mark.parametrize(
    "current", ["https://elsewhere.example/access/", "javascript:alert(1)", "", "not a url"], ids=repr
)
def test_a_page_of_another_site_is_not_where_sign_in_leads_back(client, security_officer, current):
    _obj, poll, _page = _import_job(security_officer)

    response = client.get(poll, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=current)

    assert response["HX-Redirect"] == reverse("account_login")


def test_a_part_of_a_session_past_its_lifetime_takes_its_page_to_sign_in(
    client_for, security_officer, settings
):
    """The session lifetime sends to sign in from a middleware, before any view: the page goes too."""
    client = client_for(security_officer)
    _obj, poll, page = _import_job(security_officer)
    session = client.session
    session[SIGNED_IN_AT] = (
        datetime.datetime.now() - datetime.timedelta(hours=settings.SESSION_MAX_HOURS + 1)
    ).timestamp()
    session.save()

    response = client.get(poll, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=f"http://testserver{page}")

    assert response["HX-Redirect"] == f"{reverse('account_login')}?next={page}"
    assert client.get(page).status_code == 302  # signed out indeed


def test_a_part_answering_another_redirect_keeps_it(client_for, security_officer):
    """Only the way to sign in is turned into a whole-page move; a part's own redirects stay as they are."""
    client = client_for(security_officer)

    response = client.get("/access/imports", HTTP_HX_REQUEST="true")  # CommonMiddleware adds the slash

    assert response.status_code == 301
    assert "HX-Redirect" not in response
