"""Grant imports through the API: the upload becomes a job checked in the background (202 and the address to
poll), its problems reported by row as the page reports them; confirmed or discarded by its uploader only;
the import history read as the page allows it."""

import pytest
from django.urls import reverse

from access.choices import ImportJobState
from access.models import ImportBatch, ImportJob, System
from access.services.imports import import_job_apply, import_job_check
from dpms.models import User
from tests.access.factories import SystemFactory
from tests.access.imports_support import GOOD, create_checked, payroll_fixture  # noqa: F401 - ``payroll``
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IMPORTS = reverse("api:access-import-list")
BATCHES = reverse("api:access-import-batch-list")


def as_(user, *, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


def url(name, job):
    return reverse(f"api:access-import-{name}", args=[job.pk])


def test_an_upload_is_a_job_to_poll_then_confirm(security_officer, payroll, staff):
    client = as_(security_officer)
    response = client.post(
        IMPORTS, {"filename": "grants.csv", "content": GOOD.decode(), "full": False}, format="json"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["state"], body["running"], body["filename"]) == ("checking", True, "grants.csv")
    assert response["Location"] == body["url"]
    assert body["url"].endswith(url("detail", ImportJob.objects.get()))
    import_job_check(job_id=body["id"])  # the worker's step
    checked = client.get(body["url"]).json()
    assert (checked["state"], checked["may_act"]) == ("checked", True)
    assert checked["result"]["to_create"] == 1
    job = ImportJob.objects.get()
    confirmed = client.post(url("confirm", job), format="json")
    assert confirmed.status_code == 202
    assert confirmed.json()["state"] == "applying"
    import_job_apply(job_id=job.pk)
    assert client.get(body["url"]).json()["state"] == "applied"
    assert staff.grants.filter(role__system=payroll).exists()


def test_problems_are_reported_by_row_as_the_page_reports_them(security_officer, payroll):
    content = "email,system,role\nsam.staff@example.com,Payroll,Viewer\nnobody@example.com,Payroll,Viewer\n"
    client = as_(security_officer)
    job_id = client.post(IMPORTS, {"content": content}, format="json").json()["id"]
    import_job_check(job_id=job_id)
    job = ImportJob.objects.get(pk=job_id)
    body = client.get(url("detail", job)).json()
    assert body["state"] == ImportJobState.CHECK_FAILED
    assert body["result"]["problems"] == job.result["problems"]  # what the page lists
    assert [problem["row"] for problem in body["result"]["problems"]] == [3]
    assert client.post(url("confirm", job), format="json").status_code == 400


def test_a_bad_upload_is_a_400_and_nothing_is_kept(security_officer, payroll, monkeypatch):
    client = as_(security_officer)
    assert client.post(IMPORTS, {"content": ""}, format="json").json()["errors"].keys() == {"content"}
    monkeypatch.setattr("access.forms.imports.MAX_FILE_BYTES", 10)
    too_big = client.post(IMPORTS, {"content": GOOD.decode()}, format="json")
    assert too_big.json()["errors"] == {"content": ["The file is larger than 5 MB; split it by system."]}
    assert not ImportJob.objects.exists()


def test_a_large_file_goes_as_multipart_as_on_the_page(security_officer, payroll):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = GOOD + b"sam.staff@example.com,Payroll,Viewer\n" * 80_000  # 2.9 MB: over what JSON may carry
    client = as_(security_officer)

    def send():
        upload = SimpleUploadedFile("big.csv", content, content_type="text/csv")
        return client.post(IMPORTS, {"file": upload, "full": "true"}, HTTP_IDEMPOTENCY_KEY="big-1")

    first, again = send(), send()
    assert (first.status_code, again.status_code) == (202, 202), first.content
    assert (first.json()["filename"], first.json()["size"], first.json()["full"]) == (
        "big.csv",
        len(content),
        True,
    )
    assert again["Idempotent-Replayed"] == "true"
    assert ImportJob.objects.count() == 1
    empty = client.post(IMPORTS, {"file": SimpleUploadedFile("e.csv", b"", content_type="text/csv")})
    assert empty.status_code == 400
    assert "file" in empty.json()["errors"]


def test_a_retried_upload_with_its_idempotency_key_is_kept_once(security_officer, payroll):
    client = as_(security_officer)
    body = {"content": GOOD.decode()}
    first = client.post(IMPORTS, body, format="json", HTTP_IDEMPOTENCY_KEY="nightly-2026-12-06")
    again = client.post(IMPORTS, body, format="json", HTTP_IDEMPOTENCY_KEY="nightly-2026-12-06")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again["Idempotent-Replayed"] == "true"
    assert ImportJob.objects.count() == 1


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "admin", "outsider"])
def test_only_security_officers_and_owners_upload(personas, payroll, persona):
    response = as_(personas[persona]).post(IMPORTS, {"content": GOOD.decode()}, format="json")
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_an_owner_uploads_for_their_system(payroll):
    assert as_(payroll.owner).post(IMPORTS, {"content": GOOD.decode()}, format="json").status_code == 202


# persona: (detail, confirm, discard) on a checked job the security officer uploaded
WHO_MAY = {
    "security_officer": (200, 202, 204),
    "auditor": (200, 403, 403),
    "staff": (404, 404, 404),
    "manager": (404, 404, 404),
    "admin": (404, 404, 404),
    "outsider": (404, 404, 404),
}


@pytest.mark.parametrize("persona", sorted(WHO_MAY))
@pytest.mark.parametrize("position", [1, 2])
def test_who_may_see_confirm_and_discard_a_job(personas, payroll, security_officer, persona, position):
    job = create_checked(security_officer)
    client = as_(personas[persona])
    assert client.get(url("detail", job)).status_code == WHO_MAY[persona][0]
    name = ("detail", "confirm", "discard")[position]
    assert client.post(url(name, job), format="json").status_code == WHO_MAY[persona][position]
    if WHO_MAY[persona][position] >= 400:
        assert ImportJob.objects.get(pk=job.pk).state == ImportJobState.CHECKED


def test_the_job_list_shows_my_uploads_and_an_officer_all(security_officer, payroll):
    mine = create_checked(security_officer)
    owners = create_checked(payroll.owner)
    ids = lambda user: {row["id"] for row in as_(user, read_only=True).get(IMPORTS).json()["results"]}  # noqa: E731
    assert ids(payroll.owner) == {owners.pk}
    assert ids(security_officer) == {mine.pk, owners.pk}


@pytest.mark.parametrize(("persona", "status"), [("staff", 403), ("auditor", 200), ("security_officer", 200)])
def test_the_history_is_read_as_the_page_allows(personas, payroll, security_officer, persona, status):
    job = create_checked(security_officer)
    from tests.access.imports_support import applied

    applied(job)
    response = as_(personas[persona], read_only=True).get(BATCHES, {"full": "no"})
    assert response.status_code == status
    if status == 200:
        assert [row["systems"] for row in response.json()["results"]] == [["Payroll"]]
    assert as_(payroll.owner, read_only=True).get(BATCHES, {"system": payroll.pk}).status_code == 200


@pytest.mark.parametrize("rows", [10, 1000])
def test_import_lists_run_a_fixed_number_of_queries(security_officer, rows, django_assert_num_queries):
    uploader = User.objects.bulk_create(UserFactory.build_batch(1))[0]
    system = System.objects.create(name="Payroll")
    ImportJob.objects.bulk_create(
        [
            ImportJob(uploaded_by=uploader, filename=f"f{n}.csv", sha256="a" * 64, content=b"")
            for n in range(rows)
        ]
    )
    batches = ImportBatch.objects.bulk_create(
        [ImportBatch(uploaded_by=uploader, filename=f"f{n}.csv", sha256="a" * 64) for n in range(rows)]
    )
    ImportBatch.systems.through.objects.bulk_create(
        [ImportBatch.systems.through(importbatch=batch, system=system) for batch in batches]
    )
    client = as_(security_officer, read_only=True)
    client.get(IMPORTS)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), the caller's portal roles (1: whose uploads), a page of jobs with their
    # uploaders, without their files or results (1)
    with django_assert_num_queries(3):
        assert len(client.get(IMPORTS + "?page_size=200").json()["results"]) == min(rows, 200)
    # token with its owner (1), the caller's portal roles (1), a page of imports with their uploaders (1),
    # their systems (1, prefetched)
    with django_assert_num_queries(4):
        assert len(client.get(BATCHES + "?page_size=200").json()["results"]) == min(rows, 200)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 403),
        ("manager", 403),
        ("admin", 403),
        ("outsider", 403),
        ("auditor", 200),
        ("security_officer", 200),
    ],
)
def test_who_reads_an_import(personas, payroll, security_officer, persona, status):
    from tests.access.imports_support import applied

    batch = applied(create_checked(security_officer)).batch
    client = as_(personas[persona], read_only=True)
    assert client.get(reverse("api:access-import-batch-detail", args=[batch.pk])).status_code == status
    other_owner = as_(UserFactory(), read_only=True)
    assert other_owner.get(reverse("api:access-import-batch-detail", args=[batch.pk])).status_code == 403
    SystemFactory(owner=UserFactory(email="olaf.owner@example.com"))
    olaf = User.objects.get(email="olaf.owner@example.com")
    assert as_(olaf).get(reverse("api:access-import-batch-detail", args=[batch.pk])).status_code == 404
    owner = as_(payroll.owner, read_only=True)
    assert owner.get(reverse("api:access-import-batch-detail", args=[batch.pk])).status_code == 200
