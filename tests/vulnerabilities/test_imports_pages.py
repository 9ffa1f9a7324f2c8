"""The scanner import pages: who may upload and read them, the upload form's errors, the progress partial,
and the list's query count at two sizes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.access.factories import SystemFactory
from tests.vulnerabilities.imports_support import sample
from vulnerabilities.choices import ScanImportState
from vulnerabilities.models import ScanImport
from vulnerabilities.services.scanners import MAX_SCAN_BYTES

pytestmark = pytest.mark.django_db

LIST = reverse("vulnerabilities:scan_imports")
UPLOAD = reverse("vulnerabilities:scan_import_upload")


@pytest.fixture
def payroll(staff):
    return SystemFactory(name="Payroll", owner=staff)


def make_imports(system, count):
    return ScanImport.objects.bulk_create(
        ScanImport(
            system=system,
            filename=f"scan-{n}.json",
            sha256="0" * 64,
            state=ScanImportState.APPLIED,
            result={"findings": 1},
            content=b"",
        )
        for n in range(count)
    )


def test_anonymous_is_sent_to_sign_in(client):
    for url in (LIST, UPLOAD):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "list_status", "upload_status"),
    [("security_officer", 200, 200), ("auditor", 200, 403), ("staff", 200, 200), ("outsider", 403, 403)],
)
def test_the_permission_ladder(client_for, personas, payroll, persona, list_status, upload_status):
    client = client_for(personas[persona])  # staff owns Payroll
    assert client.get(LIST).status_code == list_status
    assert client.get(UPLOAD).status_code == upload_status


def test_an_owner_sees_the_imports_of_their_systems_only(client_for, staff, payroll):
    other = SystemFactory(name="Other")
    mine, theirs = make_imports(payroll, 1)[0], make_imports(other, 1)[0]
    client = client_for(staff)
    assert client.get(reverse("vulnerabilities:scan_import", args=[mine.pk])).status_code == 200
    assert client.get(reverse("vulnerabilities:scan_import", args=[theirs.pk])).status_code == 404
    assert b"scan-0.json" in client.get(LIST).content


def test_an_owner_must_choose_one_of_their_systems(client_for, staff, payroll):
    other = SystemFactory(name="Other")
    client = client_for(staff)
    response = client.post(
        UPLOAD, {"file": SimpleUploadedFile("t.json", sample("trivy.json")), "system": other.pk}
    )
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert not ScanImport.objects.exists()


def test_a_file_over_the_limit_is_a_form_error(client_for, security_officer, payroll):
    client = client_for(security_officer)
    big = SimpleUploadedFile("big.json", b"{" + b" " * MAX_SCAN_BYTES + b"}")
    response = client.post(UPLOAD, {"file": big, "system": payroll.pk})
    assert response.status_code == 400
    assert b"larger than 50 MB" in response.content
    assert not ScanImport.objects.exists()


def test_an_upload_is_stored_and_its_page_polls_the_progress(client_for, security_officer, payroll):
    client = client_for(security_officer)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("t.json", sample("trivy.json")), "full": "on"})
    scan = ScanImport.objects.get()
    assert response["Location"] == reverse("vulnerabilities:scan_import", args=[scan.pk])
    assert (scan.system, scan.full, scan.uploaded_by) == (None, True, security_officer)
    page = client.get(response["Location"])
    assert b'data-testid="scan-import-progress"' in page.content
    assert b'hx-trigger="every 2s"' in page.content
    progress = client.get(
        reverse("vulnerabilities:scan_import_progress", args=[scan.pk]), HTTP_HX_REQUEST="true"
    )
    assert progress.status_code == 200
    assert "HX-Refresh" not in progress


@pytest.mark.parametrize("count", [1, 12])
def test_the_list_runs_a_fixed_number_of_queries(
    client_for, security_officer, payroll, count, django_assert_num_queries
):
    make_imports(payroll, count)
    client = client_for(security_officer)
    client.get(LIST)  # warm the session
    with django_assert_num_queries(QUERIES):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.content.count(b"scan-") >= count


# The session and its person (2), allauth's user session kept fresh (5, with its savepoint), the person's
# roles, the count, the unread-notifications badge, the filter's systems, the page of imports with their
# system and uploader (one join), and the session saved again (3, with its savepoint).
QUERIES = 15


def test_the_import_pages_ask_anonymous_to_sign_in(client, payroll):
    scan = make_imports(payroll, 1)[0]
    for name in ("vulnerabilities:scan_import", "vulnerabilities:scan_import_progress"):
        response = client.get(reverse(name, args=[scan.pk]))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_an_outsider_with_no_part_in_imports_gets_403(client_for, outsider, payroll):
    scan = make_imports(payroll, 1)[0]
    assert client_for(outsider).get(reverse("vulnerabilities:scan_import", args=[scan.pk])).status_code == 403


def test_a_systems_page_may_link_to_the_upload_with_the_system_chosen(client_for, staff, payroll):
    response = client_for(staff).get(f"{UPLOAD}?system={payroll.pk}")
    assert f'<option value="{payroll.pk}" selected>'.encode() in response.content
