"""Importing grants from CSV at the service level: every kind of bad row with its row number, all-or-nothing,
idempotent re-imports, full-import reconciliation and "revoked but still present" findings."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from access.choices import FindingKind, GrantSource
from access.models import Finding, Grant, ImportBatch
from access.services.imports import import_apply, import_plan
from dpms.models import AuditEvent
from tests.access.factories import GrantFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,system,role,granted_at,justification,expires_at\n"


def csv_bytes(*lines, header=HEADER):
    return (header + "".join(line + "\n" for line in lines)).encode()


@pytest.fixture
def payroll(security_officer):
    system = SystemFactory(name="Payroll", owner=UserFactory(email="paula.owner@example.com"))
    RoleFactory(system=system, name="Viewer")
    RoleFactory(system=system, name="Approver", privileged=True)
    return system


@pytest.fixture
def people(staff, second_report):
    return staff, second_report


def plan_for(actor, content, full=False):
    return import_plan(actor=actor, filename="grants.csv", content=content, full=full)


def apply(actor, content, full=False, filename="grants.csv"):
    return import_apply(actor=actor, filename=filename, content=content, full=full)


def problems(plan):
    return [(problem.row, problem.message) for problem in plan.problems]


# --- Bad rows ---------------------------------------------------------------------------------------


def test_an_unknown_person_is_reported_with_its_row(security_officer, payroll, people):
    plan = plan_for(
        security_officer,
        csv_bytes("sam.staff@example.com,Payroll,Viewer,,,", "nobody@example.com,Payroll,Viewer,,,"),
    )
    assert problems(plan) == [(3, "Unknown person: no active user with the email nobody@example.com.")]


def test_a_deactivated_person_is_an_unknown_person(security_officer, payroll, staff):
    staff.is_active = False
    staff.save()
    plan = plan_for(security_officer, csv_bytes("sam.staff@example.com,Payroll,Viewer,,,"))
    assert [problem.row for problem in plan.problems] == [2]
    assert "no active user" in plan.problems[0].message


def test_an_unknown_system_and_an_unknown_role_are_reported_with_their_rows(
    security_officer, payroll, people
):
    plan = plan_for(
        security_officer,
        csv_bytes("sam.staff@example.com,Payrol,Viewer,,,", "rita.report@example.com,Payroll,Owner,,,"),
    )
    assert problems(plan) == [
        (2, "Unknown system “Payrol”."),
        (3, "Unknown role “Owner” on the system “Payroll”."),
    ]


def test_a_duplicate_row_names_the_row_it_repeats(security_officer, payroll, people):
    plan = plan_for(
        security_officer,
        csv_bytes(
            "sam.staff@example.com,Payroll,Viewer,,,",
            "rita.report@example.com,Payroll,Viewer,,,",
            "SAM.STAFF@example.com,Payroll,Viewer,,,",
        ),
    )
    assert problems(plan) == [(4, "Duplicate row: the same as row 2.")]


def test_bad_dates_are_reported_with_row_and_column(security_officer, payroll, people):
    next_year = timezone.localdate().year + 1
    plan = plan_for(
        security_officer,
        csv_bytes(
            "sam.staff@example.com,Payroll,Viewer,2024-13-01,,",
            "rita.report@example.com,Payroll,Viewer,,,31/12/2030",
            f"sam.staff@example.com,Payroll,Approver,{next_year + 1}-01-01,,",
            "rita.report@example.com,Payroll,Approver,2024-01-01,,2023-01-01",
        ),
    )
    assert [(p.row, p.column) for p in plan.problems] == [
        (2, "granted_at"),
        (3, "expires_at"),
        (4, "granted_at"),
        (5, "expires_at"),
    ]
    assert "not a date" in plan.problems[0].message
    assert "future" in plan.problems[2].message


def test_an_expiry_in_the_past_for_a_new_grant_is_a_problem(security_officer, payroll, people):
    plan = plan_for(
        security_officer, csv_bytes("sam.staff@example.com,Payroll,Viewer,2020-01-01,,2021-01-01")
    )
    assert [(p.row, p.column) for p in plan.problems] == [(2, "expires_at")]


def test_a_missing_column_is_reported_on_the_header_row(security_officer, payroll, people):
    plan = plan_for(security_officer, csv_bytes("sam.staff@example.com,Viewer", header="email,role\n"))
    assert problems(plan) == [(1, "Missing column: system.")]


def test_an_unknown_column_is_reported_so_a_typo_never_drops_data(security_officer, payroll, people):
    plan = plan_for(
        security_officer,
        csv_bytes("sam.staff@example.com,Payroll,Viewer,2030-01-01", header="email,system,role,expires\n"),
    )
    assert [problem.row for problem in plan.problems] == [1]
    assert "Unknown column: expires" in plan.problems[0].message


def test_missing_values_and_short_rows_are_reported_with_their_rows(security_officer, payroll, people):
    plan = plan_for(security_officer, csv_bytes(",Payroll,Viewer,,,", "rita.report@example.com,Payroll"))
    assert problems(plan) == [
        (2, "Missing value: email is required."),
        (3, "This row has 2 cells; the header has 6."),
    ]


def test_an_empty_file_and_a_file_that_is_not_utf8_are_refused(security_officer):
    assert problems(plan_for(security_officer, b"")) == [(1, "The file is empty: a header row is required.")]
    assert (
        "not UTF-8"
        in plan_for(security_officer, HEADER.encode() + "zoë@x.de,P,V,,,\n".encode("latin-1"))
        .problems[0]
        .message
    )


def test_a_utf8_file_with_a_byte_order_mark_and_semicolons_is_read(security_officer, payroll, people):
    content = "\ufeffemail;system;role\nsam.staff@example.com;Payroll;Viewer\n".encode()
    plan = plan_for(security_officer, content)
    assert plan.ok
    assert len(plan.to_create) == 1


def test_nothing_is_imported_when_any_row_is_bad(security_officer, payroll, people):
    content = csv_bytes("sam.staff@example.com,Payroll,Viewer,,,", "nobody@example.com,Payroll,Viewer,,,")

    with pytest.raises(ValidationError) as raised:
        apply(security_officer, content)

    assert raised.value.messages == [
        "Row 3: Unknown person: no active user with the email nobody@example.com."
    ]
    assert not Grant.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="access.").exists()


def test_the_plan_writes_nothing(security_officer, payroll, people):
    content = csv_bytes("sam.staff@example.com,Payroll,Viewer,,,")
    plan = plan_for(security_officer, content, full=True)
    assert plan.ok
    assert len(plan.to_create) == 1
    assert not Grant.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not AuditEvent.objects.exists()


# --- Good files --------------------------------------------------------------------------------------


def test_a_good_file_creates_import_grants_and_records_the_batch(security_officer, payroll, people):
    content = csv_bytes(
        "sam.staff@example.com,Payroll,Viewer,2025-01-15,Monthly checks,",
        "rita.report@example.com,Payroll,Approver,,,2099-12-31",
    )

    batch = apply(security_officer, content, filename="payroll.csv")

    assert (batch.created_count, batch.unchanged_count, batch.row_count) == (2, 0, 2)
    assert [s.name for s in batch.systems.all()] == ["Payroll"]
    viewer = Grant.objects.get(role__name="Viewer")
    assert viewer.source == GrantSource.IMPORT
    assert viewer.justification == "Monthly checks"
    assert timezone.localtime(viewer.granted_at).date() == datetime.date(2025, 1, 15)
    assert viewer.last_seen_in_import_at == batch.uploaded_at
    approver = Grant.objects.get(role__name="Approver")
    assert approver.justification == f"Imported from payroll.csv (import #{batch.pk})."
    assert timezone.localtime(approver.expires_at).date() == datetime.date(2099, 12, 31)


def test_each_created_grant_is_traceable_to_its_batch_in_the_audit_trail(security_officer, payroll, people):
    batch = apply(security_officer, csv_bytes("sam.staff@example.com,Payroll,Viewer,,,"))

    grant = Grant.objects.get()
    assert AuditEvent.objects.filter(action="access.grant.create", object_id=str(grant.pk)).count() == 1
    summary = AuditEvent.objects.get(action="access.import.apply")
    assert summary.object_id == str(batch.pk)
    assert summary.changes["created_grant_ids"] == [grant.pk]
    assert summary.changes["sha256"] == batch.sha256


def test_importing_the_same_file_again_changes_nothing(security_officer, payroll, people):
    content = csv_bytes(
        "sam.staff@example.com,Payroll,Viewer,,,", "rita.report@example.com,Payroll,Viewer,,,"
    )
    apply(security_officer, content, full=True)
    grants_before = list(Grant.objects.order_by("pk").values("pk", "revoked_at", "reconciliation_flagged_at"))

    again = apply(security_officer, content, full=True)

    assert (again.created_count, again.unchanged_count, again.flagged_count) == (0, 2, 0)
    assert (
        list(Grant.objects.order_by("pk").values("pk", "revoked_at", "reconciliation_flagged_at"))
        == grants_before
    )
    assert ImportBatch.objects.count() == 2
    assert set(Grant.objects.values_list("last_seen_in_import_at", flat=True)) == {again.uploaded_at}


# --- Reconciliation ----------------------------------------------------------------------------------


def test_a_full_import_flags_absent_grants_and_opens_findings_without_revoking(
    security_officer, payroll, people
):
    staff, report = people
    kept = GrantFactory(user=staff, role=payroll.roles.get(name="Viewer"))
    absent = GrantFactory(user=report, role=payroll.roles.get(name="Approver"))
    elsewhere = GrantFactory(user=report)  # another system: not in the file, not touched

    batch = apply(security_officer, csv_bytes("sam.staff@example.com,Payroll,Viewer,,,"), full=True)

    assert (batch.unchanged_count, batch.flagged_count) == (1, 1)
    absent.refresh_from_db()
    assert absent.revoked_at is None
    assert absent.reconciliation_flagged_at == batch.uploaded_at
    finding = Finding.objects.get(kind=FindingKind.ABSENT_FROM_IMPORT)
    assert (finding.grant, finding.system) == (absent, payroll)
    kept.refresh_from_db()
    elsewhere.refresh_from_db()
    assert kept.reconciliation_flagged_at is None
    assert elsewhere.reconciliation_flagged_at is None


def test_a_partial_import_flags_nothing(security_officer, payroll, people):
    GrantFactory(user=people[1], role=payroll.roles.get(name="Approver"))
    batch = apply(security_officer, csv_bytes("sam.staff@example.com,Payroll,Viewer,,,"))
    assert batch.flagged_count == 0
    assert not Grant.objects.filter(reconciliation_flagged_at__isnull=False).exists()
    assert not Finding.objects.exists()


def test_a_flagged_grant_present_again_is_cleared_and_its_finding_resolved(security_officer, payroll, people):
    staff, report = people
    GrantFactory(user=staff, role=payroll.roles.get(name="Viewer"))
    absent = GrantFactory(user=report, role=payroll.roles.get(name="Approver"))
    apply(security_officer, csv_bytes("sam.staff@example.com,Payroll,Viewer,,,"), full=True)
    apply(security_officer, csv_bytes("sam.staff@example.com,Payroll,Viewer,,,"), full=True)
    assert Finding.objects.filter(resolved_at__isnull=True).count() == 1  # not opened twice

    batch = apply(security_officer, csv_bytes("rita.report@example.com,Payroll,Approver,,,"))

    absent.refresh_from_db()
    assert absent.reconciliation_flagged_at is None
    assert batch.cleared_count == 1
    finding = Finding.objects.get()
    assert finding.resolved_at == batch.uploaded_at
    assert finding.resolved_by == security_officer


def test_a_revoked_grant_still_present_opens_a_finding_and_is_not_granted_again(
    security_officer, payroll, people
):
    staff, _report = people
    revoked = GrantFactory(
        user=staff,
        role=payroll.roles.get(name="Approver"),
        revoked_at=timezone.now() - datetime.timedelta(days=3),
        revoke_reason="Left the payroll team",
    )
    content = csv_bytes(
        "rita.report@example.com,Payroll,Viewer,,,", "sam.staff@example.com,Payroll,Approver,,,"
    )

    plan = plan_for(security_officer, content)
    assert plan.ok
    assert [w.row for w in plan.warnings] == [3]

    batch = apply(security_officer, content)

    assert (batch.created_count, batch.unchanged_count, batch.revoked_present_count) == (1, 0, 1)
    assert not Grant.objects.active().filter(user=staff).exists()
    finding = Finding.objects.get(kind=FindingKind.REVOKED_STILL_PRESENT)
    assert finding.grant == revoked
    assert "row 3" in finding.details
    apply(security_officer, content)
    assert Finding.objects.filter(kind=FindingKind.REVOKED_STILL_PRESENT).count() == 1


# --- Who may import what -----------------------------------------------------------------------------


def test_an_owner_may_import_only_their_own_systems(payroll, people):
    owner = payroll.owner
    other = SystemFactory(name="CRM")
    RoleFactory(system=other, name="Viewer")
    content = csv_bytes("sam.staff@example.com,Payroll,Viewer,,,", "sam.staff@example.com,CRM,Viewer,,,")

    assert problems(plan_for(owner, content)) == [(3, "You may not import grants of the system “CRM”.")]
    with pytest.raises(ValidationError):
        apply(owner, content)
    assert not Grant.objects.exists()

    batch = apply(owner, csv_bytes("sam.staff@example.com,Payroll,Viewer,,,"))
    assert batch.created_count == 1
