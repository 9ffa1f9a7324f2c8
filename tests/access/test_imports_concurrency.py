"""Two confirms of the same file at once (double submit, or two officers) on PostgreSQL: the system rows are
locked for the import, so the second waits, plans from the first's result and creates nothing."""

import pytest

from access.models import Grant, ImportBatch
from access.services.imports import import_apply
from tests.access.factories import RoleFactory, SystemFactory
from tests.concurrency import same_call_at_once
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_imports_of_the_same_file_at_once_create_each_grant_once(requires_postgres):
    officer = UserFactory(roles=["security officer"])
    system = SystemFactory(name="Payroll")
    RoleFactory(system=system, name="Viewer")
    people = [UserFactory(email=f"p{n}@example.com") for n in range(20)]
    content = ("email,system,role\n" + "".join(f"{p.email},Payroll,Viewer\n" for p in people)).encode()

    # Raises if either of them failed.
    same_call_at_once(lambda: import_apply(actor=officer, filename="f.csv", content=content, full=True), 2)

    assert Grant.objects.active().count() == 20
    assert sorted(ImportBatch.objects.values_list("created_count", flat=True)) == [0, 20]
