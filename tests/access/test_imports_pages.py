"""The import pages: upload, the file's page (progress, the preview that writes nothing, confirm, the
result), discard, the history; and who may use each. The check and apply steps run here in the test's
thread (the Celery tests run them on a real worker)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from access.choices import ImportJobState
from access.models import Finding, Grant, ImportBatch, ImportJob
from access.services.imports import import_job_apply
from dpms.models import AuditEvent
from tests.access.factories import GrantFactory, ImportBatchFactory, RoleFactory, SystemFactory
from tests.access.imports_support import (
    GOOD,
    applied,
    checked,
    create_checked,
    job_url,
    payroll_fixture,  # noqa: F401 - fixture
    upload,
    uploaded_job,
)

pytestmark = pytest.mark.django_db

UPLOAD = reverse("access:import_upload")
HISTORY = reverse("access:import_list")


def persona(request, name):
    return request.getfixturevalue({"admin": "admin_user"}.get(name, name))


@pytest.mark.parametrize("url", [UPLOAD, HISTORY])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["staff", "manager", "auditor", "outsider"])
def test_people_who_own_no_system_cannot_upload(client_for, request, payroll, name):
    client = client_for(persona(request, name))
    assert client.get(UPLOAD).status_code == 403
    assert upload(client).status_code == 403
    assert not ImportJob.objects.exists()
    assert not Grant.objects.exists()


@pytest.mark.parametrize("name", ["staff", "manager", "outsider"])
def test_people_with_no_part_in_imports_cannot_read_the_history(client_for, request, name):
    assert client_for(persona(request, name)).get(HISTORY).status_code == 403


def test_the_upload_page_documents_the_format(client_for, security_officer):
    response = client_for(security_officer).get(UPLOAD)
    assert response.status_code == 200
    for column in ("email", "system", "role", "granted_at", "justification", "expires_at"):
        assert f"<code>{column}</code>" in response.content.decode()


def test_an_upload_goes_to_its_page_which_polls_the_check_under_way(client_for, security_officer, payroll):
    client = client_for(security_officer)

    job = uploaded_job(upload(client, full=True))

    assert (job.state, job.filename, job.full, job.uploaded_by) == (
        "checking",
        "grants.csv",
        True,
        security_officer,
    )
    assert bytes(job.content) == GOOD
    page = client.get(job_url(job))
    assert page.status_code == 200
    assert f'hx-get="{job_url(job, "import_job_progress")}"'.encode() in page.content
    assert b"import-confirm" not in page.content
    assert not Grant.objects.exists()


def test_the_preview_lists_problems_with_their_rows_and_writes_nothing(client_for, security_officer, payroll):
    client = client_for(security_officer)
    content = b"email,system,role\nsam.staff@example.com,Payroll,Viewer\nnobody@example.com,Payroll,Viewer\n"
    job = checked(uploaded_job(upload(client, content)))

    response = client.get(job_url(job))

    assert response.status_code == 200
    assert job.state == ImportJobState.CHECK_FAILED
    assert [(p["row"], p["column"]) for p in job.result["problems"]] == [(3, "email")]
    assert b'data-testid="import-problems"' in response.content
    assert b"nobody@example.com" in response.content
    assert b"import-confirm" not in response.content
    assert not bytes(job.content)  # a file with problems is not kept
    assert not Grant.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="access.").exists()


def test_a_security_officer_previews_then_confirms_a_good_file(client_for, security_officer, payroll):
    client = client_for(security_officer)
    job = checked(uploaded_job(upload(client, full=True)))

    preview = client.get(job_url(job))
    assert (job.result["to_create"], job.result["unchanged"]) == (1, 0)
    assert b'data-testid="import-confirm"' in preview.content
    assert not Grant.objects.exists()

    response = client.post(job_url(job, "import_job_confirm"))

    assert response["Location"] == job_url(job)
    job.refresh_from_db()
    assert job.state == ImportJobState.APPLYING
    assert b'data-testid="import-progress"' in client.get(job_url(job)).content
    import_job_apply(job_id=job.pk)
    batch = ImportBatch.objects.get()
    assert (batch.filename, batch.full, batch.created_count, batch.uploaded_by) == (
        "grants.csv",
        True,
        1,
        security_officer,
    )
    assert Grant.objects.active().count() == 1
    result = client.get(job_url(job))
    assert b'data-testid="import-result"' in result.content
    assert f'href="{HISTORY}#import-{batch.pk}"'.encode() in result.content
    assert result.context["job"].batch == batch


def test_a_second_confirm_is_refused_and_sends_nothing_more(
    client_for, security_officer, payroll, django_capture_on_commit_callbacks
):
    client = client_for(security_officer)
    job = checked(uploaded_job(upload(client)))

    with django_capture_on_commit_callbacks() as sent:
        client.post(job_url(job, "import_job_confirm"))
        second = client.post(job_url(job, "import_job_confirm"), follow=True)

    assert len(sent) == 1  # the apply is sent once
    assert "confirmed already" in second.content.decode()


def test_a_file_that_went_bad_between_preview_and_confirm_imports_nothing(
    client_for, security_officer, payroll, staff
):
    client = client_for(security_officer)
    job = checked(uploaded_job(upload(client)))
    staff.is_active = False  # the person left while the preview was open
    staff.save()
    client.post(job_url(job, "import_job_confirm"))

    import_job_apply(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == ImportJobState.FAILED
    page = client.get(job_url(job))
    assert b'data-testid="import-failure"' in page.content
    assert b"no active user with the email sam.staff@example.com" in page.content
    assert [p["row"] for p in job.result["problems"]] == [2]
    assert not Grant.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="access.").exists()


def test_discard_forgets_the_file(client_for, security_officer, payroll):
    client = client_for(security_officer)
    job = checked(uploaded_job(upload(client)))

    response = client.post(job_url(job, "import_job_discard"))

    assert response["Location"] == UPLOAD
    assert not ImportJob.objects.exists()
    assert client.get(job_url(job)).status_code == 404


def test_a_file_being_checked_or_imported_cannot_be_discarded(client_for, security_officer, payroll):
    client = client_for(security_officer)
    job = uploaded_job(upload(client))

    response = client.post(job_url(job, "import_job_discard"), follow=True)

    assert "cannot be discarded" in response.content.decode()
    assert ImportJob.objects.filter(pk=job.pk, state="checking").exists()


def test_an_owner_imports_their_own_system_and_is_refused_another_with_the_row(client_for, payroll):
    other = SystemFactory(name="CRM")
    RoleFactory(system=other, name="Viewer")
    client = client_for(payroll.owner)
    assert client.get(UPLOAD).status_code == 200

    refused = checked(uploaded_job(upload(client, GOOD + b"sam.staff@example.com,CRM,Viewer\n")))
    assert [(p["row"], p["message"]) for p in refused.result["problems"]] == [
        (3, "You may not import grants of the system “CRM”.")
    ]

    job = checked(uploaded_job(upload(client, GOOD)))
    client.post(job_url(job, "import_job_confirm"))
    import_job_apply(job_id=job.pk)
    assert Grant.objects.get().role.system == payroll


def test_the_preview_shows_revoked_but_present_rows_as_warnings(client_for, security_officer, payroll, staff):
    GrantFactory(user=staff, role=payroll.roles.get(), revoked_at=timezone.now(), revoke_reason="Review")
    client = client_for(security_officer)
    job = checked(uploaded_job(upload(client)))

    response = client.get(job_url(job))

    assert [w["row"] for w in job.result["warnings"]] == [2]
    assert b'data-testid="import-warnings"' in response.content
    client.post(job_url(job, "import_job_confirm"))
    import_job_apply(job_id=job.pk)
    assert Finding.objects.get().kind == "revoked_still_present"


def test_the_preview_of_a_full_export_lists_the_grants_to_flag(
    client_for, security_officer, payroll, manager
):
    GrantFactory(user=manager, role=payroll.roles.get())
    client = client_for(security_officer)
    job = checked(uploaded_job(upload(client, full=True)))

    response = client.get(job_url(job))

    assert b'data-testid="import-to-flag"' in response.content
    assert manager.email.encode() in response.content


# --- Who sees a file's page, and who acts on it ----------------------------------------------------------


@pytest.mark.parametrize("name", ["import_job", "import_job_progress"])
def test_anonymous_visitors_are_sent_to_sign_in_from_a_files_pages(client, security_officer, payroll, name):
    job = create_checked(security_officer)
    response = client.get(job_url(job, name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["outsider", "staff", "manager"])
def test_someone_else_does_not_see_an_uploaded_file(client_for, request, security_officer, payroll, name):
    job = create_checked(security_officer)
    client = client_for(persona(request, name))
    assert client.get(job_url(job)).status_code == 404
    assert client.get(job_url(job, "import_job_progress")).status_code == 404
    assert client.post(job_url(job, "import_job_confirm")).status_code == 404
    assert client.post(job_url(job, "import_job_discard")).status_code == 404


def test_another_owner_does_not_see_an_owners_upload(client_for, payroll):
    job = create_checked(payroll.owner)
    crm_owner = SystemFactory(name="CRM", owner__email="carl.owner@example.com").owner
    assert client_for(crm_owner).get(job_url(job)).status_code == 404


@pytest.mark.parametrize("name", ["security_officer", "auditor"])
def test_security_officers_and_auditors_read_anyones_upload_but_do_not_act_on_it(
    client_for, request, payroll, name
):
    job = create_checked(payroll.owner)
    client = client_for(persona(request, name))

    page = client.get(job_url(job))

    assert page.status_code == 200
    assert b"import-confirm" not in page.content
    assert client.post(job_url(job, "import_job_confirm")).status_code == 403
    assert client.post(job_url(job, "import_job_discard")).status_code == 403
    job.refresh_from_db()
    assert job.state == ImportJobState.CHECKED


def test_the_uploader_reads_and_acts_on_their_upload(client_for, payroll):
    job = create_checked(payroll.owner)
    client = client_for(payroll.owner)
    page = client.get(job_url(job))
    assert page.status_code == 200
    assert b'data-testid="import-confirm"' in page.content
    assert b'data-testid="import-discard"' in page.content


def test_the_progress_poll_shows_the_count_then_reloads_the_page_once_done(
    client_for, security_officer, payroll
):
    client = client_for(security_officer)
    job = uploaded_job(upload(client))
    ImportJob.objects.filter(pk=job.pk).update(phase="reading", done=1000, total=4000)

    running = client.get(job_url(job, "import_job_progress"), HTTP_HX_REQUEST="true")

    assert "HX-Refresh" not in running
    assert b"Reading the file: 1000 of 4000" in running.content
    assert b'hx-trigger="every 2s"' in running.content
    checked(job)
    done = client.get(job_url(job, "import_job_progress"), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    assert b"hx-get" not in done.content


# --- The history -----------------------------------------------------------------------------------------


def test_the_history_lists_the_persons_unfinished_uploads_at_the_top(client_for, security_officer, payroll):
    waiting = create_checked(security_officer, filename="waiting.csv")
    applied(create_checked(security_officer, filename="done.csv"))
    create_checked(payroll.owner, filename="someone-else.csv")

    response = client_for(security_officer).get(HISTORY)

    assert [job.filename for job in response.context["open_jobs"]] == ["waiting.csv"]
    assert job_url(waiting).encode() in response.content
    assert b'data-testid="open-import-jobs"' in response.content


@pytest.mark.parametrize("name", ["security_officer", "auditor"])
def test_security_officers_and_auditors_read_the_whole_history(client_for, request, payroll, name):
    ImportBatchFactory(filename="payroll.csv").systems.add(payroll)
    ImportBatchFactory(filename="crm.csv").systems.add(SystemFactory(name="CRM"))

    response = client_for(persona(request, name)).get(HISTORY)

    assert response.status_code == 200
    assert sorted(b.filename for b in response.context["page"].object_list) == ["crm.csv", "payroll.csv"]


def test_an_owner_reads_the_history_of_their_systems_only(client_for, payroll):
    ImportBatchFactory(filename="payroll.csv").systems.add(payroll)
    ImportBatchFactory(filename="crm.csv").systems.add(SystemFactory(name="CRM"))

    response = client_for(payroll.owner).get(HISTORY)

    assert [b.filename for b in response.context["page"].object_list] == ["payroll.csv"]


def test_the_history_filters_and_sorts(client_for, auditor, payroll):
    ImportBatchFactory(filename="a.csv", full=True, created_count=5).systems.add(payroll)
    ImportBatchFactory(filename="b.csv", created_count=9)
    client = client_for(auditor)

    def names(**query):
        return [b.filename for b in client.get(HISTORY, query).context["page"].object_list]

    assert names(system=payroll.pk) == ["a.csv"]
    assert names(full="yes") == ["a.csv"]
    assert names(full="no") == ["b.csv"]
    assert names(sort="filename") == ["a.csv", "b.csv"]
    assert names(sort="created") == ["b.csv", "a.csv"]
    assert names(system="not-a-number") == []
