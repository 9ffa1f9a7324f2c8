"""The import pages: upload, preview (writes nothing), confirm, history; and who may use each."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from access.models import Finding, Grant, ImportBatch
from dpms.models import AuditEvent
from tests.access.factories import GrantFactory, ImportBatchFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UPLOAD = reverse("access:import_upload")
PREVIEW = reverse("access:import_preview")
CONFIRM = reverse("access:import_confirm")
CANCEL = reverse("access:import_cancel")
HISTORY = reverse("access:import_list")
GOOD = b"email,system,role\nsam.staff@example.com,Payroll,Viewer\n"


@pytest.fixture
def payroll(staff):
    system = SystemFactory(name="Payroll", owner=UserFactory(email="paula.owner@example.com"))
    RoleFactory(system=system, name="Viewer")
    return system


def upload(client, content=GOOD, full=False, name="grants.csv"):
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if full:
        data["full"] = "on"
    return client.post(UPLOAD, data)


def persona(request, name):
    return request.getfixturevalue({"admin": "admin_user"}.get(name, name))


@pytest.mark.parametrize("url", [UPLOAD, PREVIEW, HISTORY])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["staff", "manager", "auditor", "outsider"])
def test_people_who_own_no_system_cannot_upload(client_for, request, payroll, name):
    client = client_for(persona(request, name))
    assert client.get(UPLOAD).status_code == 403
    assert upload(client).status_code == 403
    assert client.get(PREVIEW).status_code == 403
    assert client.post(CONFIRM, {"sha256": "0" * 64}).status_code == 403
    assert not Grant.objects.exists()


@pytest.mark.parametrize("name", ["staff", "manager", "outsider"])
def test_people_with_no_part_in_imports_cannot_read_the_history(client_for, request, name):
    assert client_for(persona(request, name)).get(HISTORY).status_code == 403


def test_the_upload_page_documents_the_format(client_for, security_officer):
    response = client_for(security_officer).get(UPLOAD)
    assert response.status_code == 200
    for column in ("email", "system", "role", "granted_at", "justification", "expires_at"):
        assert f"<code>{column}</code>" in response.content.decode()


def test_the_preview_lists_problems_with_their_rows_and_writes_nothing(client_for, security_officer, payroll):
    client = client_for(security_officer)
    content = b"email,system,role\nsam.staff@example.com,Payroll,Viewer\nnobody@example.com,Payroll,Viewer\n"

    response = client.get(upload(client, content)["Location"])

    assert response.status_code == 200
    assert [(p.row, p.column) for p in response.context["plan"].problems] == [(3, "email")]
    assert b"import-confirm" not in response.content
    assert not Grant.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="access.").exists()


def test_a_security_officer_previews_then_confirms_a_good_file(client_for, security_officer, payroll):
    client = client_for(security_officer)
    assert upload(client, full=True)["Location"] == PREVIEW

    preview = client.get(PREVIEW)
    plan = preview.context["plan"]
    assert (len(plan.to_create), len(plan.unchanged)) == (1, 0)
    assert b'data-testid="import-confirm"' in preview.content
    assert not Grant.objects.exists()

    response = client.post(CONFIRM, {"sha256": plan.sha256})

    assert response["Location"] == HISTORY
    batch = ImportBatch.objects.get()
    assert (batch.filename, batch.full, batch.created_count, batch.uploaded_by) == (
        "grants.csv",
        True,
        1,
        security_officer,
    )
    assert Grant.objects.active().count() == 1
    assert client.get(PREVIEW)["Location"] == UPLOAD  # nothing pending any more


def test_confirming_another_file_than_the_previewed_one_is_refused(client_for, security_officer, payroll):
    client = client_for(security_officer)
    upload(client)
    assert client.post(CONFIRM, {"sha256": "a" * 64}).status_code == 400
    assert client.post(CONFIRM, {"sha256": "not a hash"}).status_code == 400
    assert not Grant.objects.exists()


def test_a_file_that_went_bad_between_preview_and_confirm_imports_nothing(
    client_for, security_officer, payroll, staff
):
    client = client_for(security_officer)
    upload(client)
    sha256 = client.get(PREVIEW).context["plan"].sha256
    staff.is_active = False  # the person left while the preview was open
    staff.save()

    response = client.post(CONFIRM, {"sha256": sha256})

    assert response["Location"] == PREVIEW
    assert not Grant.objects.exists()
    assert not ImportBatch.objects.exists()


def test_cancel_forgets_the_pending_file(client_for, security_officer, payroll):
    client = client_for(security_officer)
    upload(client)
    client.post(CANCEL)
    assert client.get(PREVIEW)["Location"] == UPLOAD


def test_an_owner_imports_their_own_system_and_is_refused_another_with_the_row(client_for, payroll):
    other = SystemFactory(name="CRM")
    RoleFactory(system=other, name="Viewer")
    client = client_for(payroll.owner)
    assert client.get(UPLOAD).status_code == 200

    upload(client, GOOD + b"sam.staff@example.com,CRM,Viewer\n")
    problems = client.get(PREVIEW).context["plan"].problems
    assert [(p.row, p.message) for p in problems] == [(3, "You may not import grants of the system “CRM”.")]

    upload(client, GOOD)
    client.post(CONFIRM, {"sha256": client.get(PREVIEW).context["plan"].sha256})
    assert Grant.objects.get().role.system == payroll


def test_the_preview_shows_revoked_but_present_rows_as_warnings(client_for, security_officer, payroll, staff):
    from django.utils import timezone

    GrantFactory(user=staff, role=payroll.roles.get(), revoked_at=timezone.now(), revoke_reason="Review")
    client = client_for(security_officer)
    upload(client)

    response = client.get(PREVIEW)

    assert [w.row for w in response.context["plan"].warnings] == [2]
    assert b'data-testid="import-warnings"' in response.content
    client.post(CONFIRM, {"sha256": response.context["plan"].sha256})
    assert Finding.objects.get().kind == "revoked_still_present"


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
