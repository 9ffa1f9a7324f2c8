"""Scanner imports end to end on a real Celery worker: the upload's page polls the progress while the worker
checks and applies the file, all or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dpms import audit
from dpms.models import AuditEvent
from tests.access.factories import SystemFactory
from tests.dpms.outbox_support import wait_until
from tests.vulnerabilities.imports_support import sample
from vulnerabilities.choices import ScanImportState
from vulnerabilities.models import ScanImport, Vulnerability

pytestmark = pytest.mark.celery


def upload(client, system, name, content=None, **fields):
    data = {"file": SimpleUploadedFile(name, content or sample(name)), "system": system.pk, **fields}
    response = client.post(reverse("vulnerabilities:scan_import_upload"), data)
    assert response.status_code == 302, response.content
    return ScanImport.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def ends(scan):
    return wait_until(lambda: not ScanImport.objects.get(pk=scan.pk).running, timeout=60)


def test_the_worker_imports_an_upload_and_its_page_shows_what_it_did(
    celery_worker, client_for, security_officer, staff
):
    payroll = SystemFactory(name="Payroll", owner=staff)
    client = client_for(security_officer)
    scan = upload(client, payroll, "grype.json", format="grype")
    assert ends(scan)
    scan.refresh_from_db()
    assert scan.state == ScanImportState.APPLIED
    assert Vulnerability.objects.filter(system=payroll).count() == 3
    page = client.get(reverse("vulnerabilities:scan_import", args=[scan.pk]))
    assert b'data-testid="scan-import-result"' in page.content
    assert b"<strong>3</strong> new vulnerabilities" in page.content
    applied = AuditEvent.objects.get(action="vulnerabilities.scan_import.apply")
    assert (applied.source, applied.actor) == ("task", security_officer)
    assert audit.verify().ok


def test_the_worker_refuses_a_broken_file_and_writes_nothing(
    celery_worker, client_for, security_officer, staff
):
    payroll = SystemFactory(name="Payroll", owner=staff)
    client = client_for(security_officer)
    scan = upload(client, payroll, "trivy.json", content=sample("trivy.json").replace(b'"HIGH"', b'"SEVERE"'))
    assert ends(scan)
    page = client.get(reverse("vulnerabilities:scan_import", args=[scan.pk]))
    assert b'data-testid="scan-import-failure"' in page.content
    assert "Unknown severity “SEVERE”".encode() in page.content
    assert not Vulnerability.objects.exists()
