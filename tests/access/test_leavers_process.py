"""The leaver steps in detail: working-day due dates, systems that revoke leavers at once, the finding that
resolves itself with the last task, review items decided "revoke (leaver)", a reactivation that gives
nothing back, and a fixed number of queries however many grants the leaver holds."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.choices import Decision, FindingKind, TaskStatus
from access.models import Finding, Grant, ReviewItem, ReviewTally, RevocationTask
from access.services.leavers import add_working_days, leaver_process
from access.services.portal_roles import sync_portal_roles
from access.services.revocations import revocation_task_done
from access.services.tallies import tally_recount
from dpms import services as people
from dpms.models import AuditEvent, Notification, PortalRole
from tests.access.factories import (
    GrantFactory,
    ReviewCampaignFactory,
    ReviewItemFactory,
    RevocationTaskFactory,
    RoleFactory,
    SystemFactory,
)
from tests.access.leavers_support import leaver_with_grants
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
FRIDAY = datetime.datetime(2026, 12, 11, 16, 30, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (FRIDAY, 1, datetime.datetime(2026, 12, 14, 16, 30, tzinfo=BERLIN)),  # Friday + 1: Monday
        (FRIDAY, 5, datetime.datetime(2026, 12, 18, 16, 30, tzinfo=BERLIN)),  # Friday + 5: next Friday
        (FRIDAY + datetime.timedelta(days=1), 1, datetime.datetime(2026, 12, 14, 16, 30, tzinfo=BERLIN)),
        (FRIDAY - datetime.timedelta(days=2), 1, datetime.datetime(2026, 12, 10, 16, 30, tzinfo=BERLIN)),
        (FRIDAY - datetime.timedelta(days=2), 5, datetime.datetime(2026, 12, 16, 16, 30, tzinfo=BERLIN)),
    ],
)
def test_due_dates_count_monday_to_friday(start, days, due):
    assert add_working_days(start, days) == due


def left_on(person, moment):
    """``person`` deactivated at ``moment`` (without the listeners), as user_deactivate leaves them."""
    person.is_active, person.deactivated_at = False, moment
    person.save(update_fields=["is_active", "deactivated_at"])


def test_a_friday_leavers_privileged_access_is_due_monday_and_the_rest_next_friday(staff, admin_user):
    leaver_with_grants(staff)
    left_on(staff, FRIDAY)
    leaver_process(user=staff, actor=admin_user)
    due = {
        (task.grant.role.privileged, timezone.localtime(task.due_at, BERLIN).date())
        for task in RevocationTask.objects.filter(grant__user=staff).select_related("grant__role")
    }
    assert due == {(True, datetime.date(2026, 12, 14)), (False, datetime.date(2026, 12, 18))}


def test_systems_that_revoke_leavers_lose_the_access_at_once(staff, admin_user, security_officer):
    leaver = leaver_with_grants(staff)
    for name in ("Wiki", "Mail"):
        leaver.systems[name].auto_revoke_leavers = True
        leaver.systems[name].save()
    people.user_deactivate(actor=admin_user, user=staff)

    revoked = Grant.objects.filter(user=staff, revoked_at__isnull=False).select_related("role__system")
    assert {grant.role.system.name for grant in revoked} == {"Wiki", "Mail"}
    assert revoked.count() == 4
    tasks = RevocationTask.objects.filter(grant__user=staff)
    assert tasks.count() == 12
    assert set(tasks.filter(status=TaskStatus.DONE).values_list("grant__role__system__name", flat=True)) == {
        "Wiki",
        "Mail",
    }
    assert tasks.filter(status=TaskStatus.OPEN).count() == 8
    assert AuditEvent.objects.filter(action="access.grant.revoke").count() == 4
    wiki_note = Notification.objects.get(recipient=leaver.systems["Wiki"].owner)
    assert "revoked at once" in wiki_note.body
    assert "4 were revoked at once; 8 revocation tasks are open" in (
        Notification.objects.get(recipient=security_officer).body
    )


def test_the_finding_resolves_itself_when_the_last_task_is_done(staff, admin_user):
    leaver = leaver_with_grants(staff)
    people.user_deactivate(actor=admin_user, user=staff)
    finding = Finding.objects.get(kind=FindingKind.LEAVER_ACCESS_OPEN, person=staff)
    tasks = list(RevocationTask.objects.filter(grant__user=staff).select_related("system__owner"))
    for task in tasks[:-1]:
        revocation_task_done(task=task, actor=task.system.owner, note="Removed.", now=timezone.now())
    finding.refresh_from_db()
    assert finding.resolved_at is None
    last = tasks[-1]
    revocation_task_done(task=last, actor=last.system.owner, note="Removed.", now=timezone.now())
    finding.refresh_from_db()
    assert finding.resolved_at is not None
    assert finding.resolved_by == last.system.owner
    assert AuditEvent.objects.filter(action="access.finding.resolve", object_id=str(finding.pk)).exists()
    assert not Grant.objects.filter(user=staff, revoked_at__isnull=True).exists()
    assert len(leaver.grants) == 12


def test_no_grant_no_task_no_finding(staff, admin_user, security_officer):
    people.user_deactivate(actor=admin_user, user=staff)
    assert not RevocationTask.objects.exists()
    assert not Finding.objects.filter(person=staff).exists()
    assert not Notification.objects.filter(recipient=security_officer).exists()


def test_the_leavers_open_review_items_are_decided_revoke_leaver(staff, second_report, admin_user, manager):
    campaign = ReviewCampaignFactory()
    role = RoleFactory()
    pending = ReviewItemFactory(campaign=campaign, grant=GrantFactory(user=staff), reviewer=manager)
    kept = ReviewItemFactory(
        campaign=campaign, grant=GrantFactory(user=staff, role=role), reviewer=manager, decision=Decision.KEEP
    )
    other = ReviewItemFactory(campaign=campaign, grant=GrantFactory(user=second_report), reviewer=manager)
    tally_recount(campaign_id=campaign.pk)

    people.user_deactivate(actor=admin_user, user=staff)

    for item in (pending, kept):
        item.refresh_from_db()
        assert item.decision == Decision.REVOKE
        assert item.justification.startswith(f"Revoke (leaver): {staff} was deactivated on ")
        assert item.holder_deactivated
        assert item.revocation_task.leaver
    other.refresh_from_db()
    assert other.decision == Decision.PENDING
    tallies = {(t.decision, t.items) for t in ReviewTally.objects.filter(campaign=campaign) if t.items}
    assert tallies == {(Decision.REVOKE, 2), (Decision.PENDING, 1)}
    events = AuditEvent.objects.filter(action="access.item.decide")
    assert {event.changes["decision"][0] for event in events} == {Decision.PENDING, Decision.KEEP}
    assert all(event.changes["leaver"] for event in events)


def test_an_open_task_of_a_grant_becomes_the_leavers_and_is_due_sooner(staff, admin_user):
    leaver = leaver_with_grants(staff)
    privileged = next(grant for grant in leaver.grants if grant.role.privileged)
    earlier = RevocationTaskFactory(grant=privileged, due_at=timezone.now() + datetime.timedelta(days=20))
    people.user_deactivate(actor=admin_user, user=staff)
    assert RevocationTask.objects.filter(grant__user=staff).count() == 12
    earlier.refresh_from_db()
    assert earlier.leaver
    assert earlier.due_at < timezone.now() + datetime.timedelta(days=4)


def test_reactivation_gives_nothing_back(staff, admin_user):
    leaver = leaver_with_grants(staff)
    leaver.systems["Wiki"].auto_revoke_leavers = True
    leaver.systems["Wiki"].save()
    people.user_set_roles(actor=admin_user, user=staff, roles=[PortalRole.AUDITOR])
    assert Grant.objects.filter(user=staff, role__system__is_portal=True, revoked_at__isnull=True).exists()

    people.user_deactivate(actor=admin_user, user=staff)
    people.user_reactivate(actor=admin_user, user=staff)
    sync_portal_roles()

    staff.refresh_from_db()
    assert not staff.groups.exists()  # the portal role went with its grant
    assert not Grant.objects.filter(
        user=staff, role__system__is_portal=True, revoked_at__isnull=True
    ).exists()
    assert not Grant.objects.filter(user=staff, role__system=leaver.systems["Wiki"], revoked_at__isnull=True)
    assert RevocationTask.objects.filter(grant__user=staff, status=TaskStatus.OPEN).count() == 10
    assert Finding.objects.filter(person=staff, resolved_at__isnull=True).exists()


def grants_on_five_systems(person, count, owners):
    systems = [SystemFactory(owner=owner) for owner in owners]
    roles = [RoleFactory(system=systems[n % 5], privileged=n % 4 == 0) for n in range(count)]
    Grant.objects.bulk_create([Grant(user=person, role=role, granted_at=timezone.now()) for role in roles])
    ReviewItem.objects.bulk_create([])  # nothing under review


def test_a_leaver_with_hundreds_of_grants_costs_the_queries_of_one_with_ten(admin_user, security_officer):
    owners = [UserFactory() for _ in range(5)]
    counts = []
    for size in (10, 300):
        person = UserFactory()
        grants_on_five_systems(person, size, owners)
        with CaptureQueriesContext(connection) as queries:
            people.user_deactivate(actor=admin_user, user=person)
        assert RevocationTask.objects.filter(grant__user=person, leaver=True).count() == size
        counts.append(len(queries))
    # The same queries for 300 grants as for 10, but for bulk inserts that SQLite splits by its limit of
    # variables per statement (PostgreSQL takes 1,000 rows a statement): never one query per grant.
    assert counts[1] - counts[0] <= (0 if connection.vendor == "postgresql" else 300 // 50)


def test_the_system_page_says_what_happens_when_someone_leaves(client_for, security_officer):
    manual, automatic = (
        SystemFactory(name="Manual"),
        SystemFactory(name="Automatic", auto_revoke_leavers=True),
    )
    client = client_for(security_officer)
    assert (
        "A revocation task for the owner"
        in client.get(reverse("access:system", args=[manual.pk])).content.decode()
    )
    page = client.get(reverse("access:system", args=[automatic.pk])).content.decode()
    assert "Their access here is revoked at once" in page
