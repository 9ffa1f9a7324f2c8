"""Administrators kept to the bare minimum: a finding while a system has too many privileged holders."""

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import Finding
from access.queries.register import privileged_headroom
from access.services.register import check_privileged_limits
from dpms.models import AuditEvent
from tests.access.factories import GrantFactory
from tests.access.register_support import register_fixture  # noqa: F401 - the ``register`` fixture
from tests.concurrency import same_call_at_once
from tests.dashboard_support import dashboard_html
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def over_limit(register):
    """CRM allows one privileged holder; a second CRM admin puts it over."""
    return GrantFactory(user=UserFactory(), role=register.crm_admin)


def open_findings():
    return Finding.objects.filter(resolved_at__isnull=True, kind="too_many_privileged")


def test_headroom_says_how_many_more_privileged_grants_fit(register):
    assert privileged_headroom(register.crm) == 0
    assert privileged_headroom(register.erp) == register.erp.max_privileged


def test_headroom_is_negative_when_over_the_limit(register, over_limit):
    assert privileged_headroom(register.crm) == -1


def test_a_system_over_its_limit_gets_one_audited_finding(register, over_limit):
    assert check_privileged_limits(now=timezone.now()) == 1
    finding = open_findings().get()
    assert finding.system == register.crm
    assert "2 active privileged grants; the maximum is 1." in finding.details
    assert AuditEvent.objects.filter(action="access.finding.open", object_id=str(finding.pk)).count() == 1


def test_running_the_check_twice_changes_nothing_the_second_time(register, over_limit):
    check_privileged_limits(now=timezone.now())
    assert check_privileged_limits(now=timezone.now()) == 0
    assert open_findings().count() == 1
    assert AuditEvent.objects.filter(action="access.finding.open").count() == 1


def test_the_finding_is_resolved_when_back_within_the_limit(register, over_limit):
    check_privileged_limits(now=timezone.now())
    over_limit.revoked_at = timezone.now()
    over_limit.save()
    assert check_privileged_limits(now=timezone.now()) == 1
    assert not open_findings().exists()
    resolved = Finding.objects.get()
    assert resolved.resolution == "Back within the limit: 1 of at most 1."
    assert AuditEvent.objects.filter(action="access.finding.resolve").count() == 1
    assert check_privileged_limits(now=timezone.now()) == 0


def test_a_system_within_its_limit_gets_no_finding(register):
    assert check_privileged_limits(now=timezone.now()) == 0
    assert not Finding.objects.exists()


def test_revoked_and_unprivileged_grants_do_not_count(register):
    GrantFactory(role=register.crm_admin, revoked_at=timezone.now())
    GrantFactory.create_batch(3, role=register.crm_user)
    check_privileged_limits(now=timezone.now())
    assert not Finding.objects.exists()


def test_the_finding_shows_on_the_system_page(client_for, security_officer, register, over_limit):
    check_privileged_limits(now=timezone.now())
    page = client_for(security_officer).get(reverse("access:system", args=[register.crm.pk]))
    assert [finding.kind for finding in page.context["findings"]] == ["too_many_privileged"]
    assert "More privileged holders than allowed" in page.content.decode()
    listed = client_for(security_officer).get(reverse("access:systems"), {"findings": "on"})
    assert [system.name for system in listed.context["page"].object_list] == ["CRM"]
    assert 'data-testid="finding-badge"' in listed.content.decode()


def test_the_finding_shows_on_the_security_officers_dashboard(
    client_for, security_officer, register, over_limit
):
    check_privileged_limits(now=timezone.now())
    page = dashboard_html(client_for(security_officer))
    assert "Open access findings" in page
    assert "CRM: More privileged holders than allowed" in page
    assert reverse("access:system", args=[register.crm.pk]) in page


def test_the_dashboard_panel_says_when_nothing_is_open(client_for, security_officer, register):
    page = dashboard_html(client_for(security_officer))
    assert "No open findings: every system is within its limits." in page


def test_staff_get_no_findings_panel(client_for, staff, register, over_limit):
    check_privileged_limits(now=timezone.now())
    assert "Open access findings" not in dashboard_html(client_for(staff))


def test_the_access_tick_runs_the_check(register, over_limit):
    from access.tasks import TICK_STEPS

    assert check_privileged_limits in TICK_STEPS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_checks_at_once_open_one_finding(requires_postgres, register, over_limit):
    """Two workers running the tick at the same moment: the system's row lock lets only one open it."""
    results = same_call_at_once(lambda: check_privileged_limits(now=timezone.now()), 2)
    assert sorted(results) == [0, 1]
    assert open_findings().count() == 1
    assert AuditEvent.objects.filter(action="access.finding.open").count() == 1


def test_the_database_refuses_a_second_open_finding_for_the_same_subject():
    """Enforced by the database on SQLite and PostgreSQL alike, per system and per grant."""
    from django.db import IntegrityError, transaction

    from access.models import Finding
    from tests.access.factories import GrantFactory

    grant = GrantFactory()
    system = grant.role.system
    Finding.objects.create(kind="too_many_privileged", system=system)
    Finding.objects.create(kind="absent_from_import", system=system, grant=grant)
    for duplicate in (
        {"kind": "too_many_privileged", "system": system},
        {"kind": "absent_from_import", "system": system, "grant": grant},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Finding.objects.create(**duplicate)
