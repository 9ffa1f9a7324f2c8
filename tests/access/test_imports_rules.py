"""The check and the import apply the same rules of a new grant (``access.services.grants``): what the import
would refuse, the check reports first, with its row; and what changed between the check and the confirmation
is refused by name (row and reason), with nothing imported."""

import pytest

from access.choices import ImportJobState
from access.models import Grant, ImportBatch
from access.services import grants, imports
from access.services.portal_roles import portal_system
from dpms.models import AuditEvent, PortalRole
from tests.access.imports_support import (
    applied,
    checked,
    create_checked,
    job_url,
    payroll_fixture,  # noqa: F401 - fixture
    upload,
    uploaded_job,
)

pytestmark = pytest.mark.django_db

PORTAL_ROW = (
    b"email,system,role\n"
    b"sam.staff@example.com,Payroll,Viewer\n"
    b"sam.staff@example.com,DPMS portal," + PortalRole.AUDITOR.value.encode() + b"\n"
)
PORTAL_REASON = "Portal roles are given in the administration (People → portal roles)."


def nothing_imported():
    assert not Grant.objects.filter(role__system__name="Payroll").exists()
    assert not ImportBatch.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["access.grant.create", "access.import.apply"]).exists()


def test_the_check_reports_a_portal_role_row_with_its_row_and_reason(client_for, security_officer, payroll):
    portal_system()
    client = client_for(security_officer)
    job = checked(uploaded_job(upload(client, PORTAL_ROW)))

    assert job.state == ImportJobState.CHECK_FAILED
    assert job.result["problems"] == [{"row": 3, "column": "role", "message": PORTAL_REASON}]
    page = client.get(job_url(job)).content.decode()
    assert "1 problem: nothing can be imported." in page
    assert '<td data-label="Row">3</td>' in page
    assert PORTAL_REASON in page
    assert "Confirm the import" not in page
    nothing_imported()


def test_a_person_who_left_after_the_check_is_named_by_row_when_the_import_runs(
    client_for, security_officer, payroll, staff
):
    job = create_checked(security_officer)
    assert job.state == ImportJobState.CHECKED
    staff.is_active = False
    staff.save()

    job = applied(job)

    assert job.state == ImportJobState.FAILED
    reason = "Unknown person: no active user with the email sam.staff@example.com."
    assert job.error == f"The file no longer imports cleanly: row 2: {reason} Nothing was imported."
    assert job.result["problems"] == [{"row": 2, "column": "email", "message": reason}]
    page = client_for(security_officer).get(job_url(job)).content.decode()
    assert f"row 2: {reason}" in page
    nothing_imported()


def test_a_grant_given_meanwhile_is_named_by_row_and_nothing_is_half_saved(
    security_officer, payroll, staff, second_report, monkeypatch
):
    """Someone gives one of the file's grants by hand while the import is being written: the import stops at
    that row, and the other rows, the batch and the audit events are rolled back with it."""
    content = (
        b"email,system,role\nrita.report@example.com,Payroll,Viewer\nsam.staff@example.com,Payroll,Viewer\n"
    )
    job = create_checked(security_officer, content)
    real = grants.grants_create_many

    def given_meanwhile(**kwargs):
        Grant.objects.create(user=staff, role=payroll.roles.get(name="Viewer"), justification="By hand.")
        return real(**kwargs)

    monkeypatch.setattr(imports, "grants_create_many", given_meanwhile)

    job = applied(job)

    assert job.state == ImportJobState.FAILED
    reason = "Sam Staff already holds Payroll · Viewer."
    assert job.error == f"The file no longer imports cleanly: row 3: {reason} Nothing was imported."
    assert [(p["row"], p["message"]) for p in job.result["problems"]] == [(3, reason)]
    nothing_imported()
