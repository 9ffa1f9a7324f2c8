"""Scanner imports through the API, for CI pipelines: the upload (the report's text in JSON, or the file as
multipart) is an import to poll (202 and its address), checked by the page's own form; a bad upload is a 400
and nothing is kept; the list runs a fixed number of queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.access.factories import SystemFactory
from tests.dpms.api_support import api_client, token_for
from tests.vulnerabilities.imports_support import sample
from vulnerabilities.choices import ScanImportState
from vulnerabilities.models import ScanImport, Vulnerability
from vulnerabilities.services.imports import scan_import_process

pytestmark = pytest.mark.django_db

IMPORTS = reverse("api:vulnerability-scan-import-list")


def as_(user, *, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


@pytest.fixture
def payroll(staff):
    return SystemFactory(name="Payroll", owner=staff)


def test_an_upload_is_an_import_to_poll(security_officer, payroll):
    client = as_(security_officer)
    body = {
        "content": sample("trivy.json").decode(),
        "filename": "trivy.json",
        "system": payroll.pk,
        "full": True,
    }
    response = client.post(IMPORTS, body, format="json")
    assert response.status_code == 202, response.content
    data = response.json()
    assert (data["state"], data["running"], data["filename"], data["full"]) == (
        "queued",
        True,
        "trivy.json",
        True,
    )
    assert response["Location"] == data["url"]
    scan_import_process(import_id=data["id"])  # the worker's step
    done = client.get(data["url"]).json()
    assert (done["state"], done["created_count"], done["system_name"]) == ("applied", 3, "Payroll")
    assert done["result"]["created"] == 3
    assert Vulnerability.objects.filter(system=payroll).count() == 3


def test_the_file_goes_as_multipart_too(security_officer, staff):
    image = SystemFactory(name="registry.example.com/payroll:2.4.1", owner=staff)
    client = as_(security_officer)
    upload = SimpleUploadedFile("grype.json", sample("grype.json"))
    response = client.post(IMPORTS, {"file": upload, "format": "grype"}, format="multipart")
    assert response.status_code == 202, response.content
    scan_import_process(import_id=response.json()["id"])
    assert ScanImport.objects.get().system == image  # the file names it


def test_problems_are_reported_by_their_place(security_officer, payroll):
    client = as_(security_officer)
    broken = sample("trivy.json").decode().replace('"MEDIUM"', '"SEVERE"')
    data = client.post(IMPORTS, {"content": broken, "system": payroll.pk}, format="json").json()
    scan_import_process(import_id=data["id"])
    body = client.get(data["url"]).json()
    assert body["state"] == ScanImportState.FAILED
    assert body["result"]["problems"][0]["where"] == "Results[0].Vulnerabilities[1]"
    assert not Vulnerability.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": ""}, "content"),
        ({"content": "{}", "format": "nessus"}, "format"),
        ({"content": "{}", "system": "Payroll"}, "system"),
        ({"content": "{}", "full": "maybe"}, "full"),
        ({"content": "{}", "system": 999999}, "system"),
    ],
)
def test_a_bad_upload_is_a_400_and_nothing_is_kept(security_officer, payroll, body, field):
    response = as_(security_officer).post(IMPORTS, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not ScanImport.objects.exists()


def test_an_owner_must_name_their_system_and_others_are_refused(staff, outsider, auditor, payroll):
    response = as_(staff).post(IMPORTS, {"content": sample("trivy.json").decode()}, format="json")
    assert response.status_code == 400
    assert "system" in response.json()["errors"]
    assert as_(staff).post(IMPORTS, {"content": "{}", "system": payroll.pk}, format="json").status_code == 202
    for person in (outsider, auditor):
        assert (
            as_(person).post(IMPORTS, {"content": "{}", "system": payroll.pk}, format="json").status_code
            == 403
        )
    assert as_(outsider).get(IMPORTS).status_code == 403
    assert as_(auditor).get(IMPORTS).status_code == 200


@pytest.mark.parametrize("count", [1, 12])
def test_the_list_runs_a_fixed_number_of_queries(security_officer, payroll, count, django_assert_num_queries):
    ScanImport.objects.bulk_create(
        ScanImport(system=payroll, filename=f"s{n}.json", sha256="0" * 64, content=b"") for n in range(count)
    )
    client = as_(security_officer)
    # The token with its person, the token's last use noted, the person's roles, and the page of imports
    # with their system and uploader.
    with django_assert_num_queries(QUERIES):
        response = client.get(IMPORTS)
    assert len(response.json()["results"]) == count


QUERIES = 4
