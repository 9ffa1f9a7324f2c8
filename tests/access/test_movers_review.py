"""Mover events: a new manager or team opens a one-item-per-grant review of the person's privileged access
for the new manager (or a security officer when the new manager cannot review)."""

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from access.choices import CampaignKind, CampaignStatus, Decision
from access.models import ReviewCampaign, ReviewItem
from access.services.movers import mover_review_open
from dpms import services as people
from dpms.models import AuditEvent, Notification
from tests.access.factories import GrantFactory, RoleFactory
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_manager(db):
    return UserFactory(email="nora.new@example.com", full_name="Nora New")


@pytest.fixture
def admin_grants(staff):
    """Two privileged grants and one ordinary grant of the staff member."""
    return [
        GrantFactory(user=staff, role=RoleFactory(name="DBA", privileged=True)),
        GrantFactory(user=staff, role=RoleFactory(name="Root", privileged=True)),
        GrantFactory(user=staff, role=RoleFactory(name="Viewer", privileged=False)),
    ]


def mover_campaigns():
    return ReviewCampaign.objects.filter(kind=CampaignKind.MOVER)


def test_a_new_manager_gets_a_one_item_review_per_privileged_grant(
    staff, new_manager, admin_user, admin_grants, security_officer
):
    people.user_update(actor=admin_user, user=staff, manager=new_manager)

    (campaign,) = mover_campaigns()
    assert campaign.policy is None
    assert campaign.status == CampaignStatus.OPEN
    assert campaign.period_key.startswith(f"mover-{staff.pk}-")
    today = formats.date_format(timezone.localtime(), "DATE_FORMAT")
    assert campaign.name == f"Mover review: {staff}, {today}"  # as pages write dates, not ISO
    assert campaign.population_count == 2
    items = ReviewItem.objects.filter(campaign=campaign)
    assert set(items.values_list("role_name", flat=True)) == {"DBA", "Root"}
    assert set(items.values_list("reviewer", flat=True)) == {new_manager.pk}
    assert set(items.values_list("decision", flat=True)) == {Decision.PENDING}
    item = items.first()
    assert item.holder == staff
    assert item.privileged
    assert item.routing_note == ""
    assert item.system_name == item.grant.role.system.name


def test_the_new_manager_is_told_once(staff, new_manager, admin_user, admin_grants):
    people.user_update(actor=admin_user, user=staff, manager=new_manager)
    notes = Notification.objects.filter(recipient=new_manager)
    assert notes.count() == 1
    assert "Sam Staff" in notes.get().subject
    assert notes.get().link == reverse("access:review_queue")


def test_the_review_is_in_the_audit_trail(staff, new_manager, admin_user, admin_grants, manager):
    people.user_update(actor=admin_user, user=staff, manager=new_manager)
    event = AuditEvent.objects.get(action="access.mover.review_open")
    assert event.actor == admin_user
    assert event.changes["manager"] == [manager.email, new_manager.email]
    assert event.changes["population_count"] == 2


def test_a_team_change_alone_also_opens_a_review_for_the_manager(staff, manager, admin_user, admin_grants):
    people.user_update(actor=admin_user, user=staff, team=TeamFactory(name="Platform"))
    (campaign,) = mover_campaigns()
    assert set(campaign.items.values_list("reviewer", flat=True)) == {manager.pk}


def test_nothing_happens_when_neither_manager_nor_team_changed(staff, admin_user, admin_grants):
    people.user_update(actor=admin_user, user=staff, job_title="Senior Accountant")
    assert not mover_campaigns().exists()


def test_nothing_happens_without_privileged_grants(staff, new_manager, admin_user):
    GrantFactory(user=staff, role=RoleFactory(privileged=False))
    GrantFactory(user=staff, role=RoleFactory(privileged=True), revoked_at="2026-01-01T00:00:00Z")
    people.user_update(actor=admin_user, user=staff, manager=new_manager)
    assert not mover_campaigns().exists()
    assert not Notification.objects.filter(recipient=new_manager).exists()


def test_no_manager_any_more_routes_to_a_security_officer(staff, admin_user, admin_grants, security_officer):
    people.user_update(actor=admin_user, user=staff, manager=None)
    (campaign,) = mover_campaigns()
    items = campaign.items.all()
    assert set(items.values_list("reviewer", flat=True)) == {security_officer.pk}
    assert "no manager" in items.first().routing_note
    assert Notification.objects.filter(recipient=security_officer).count() == 1


def test_an_inactive_new_manager_routes_to_a_security_officer(
    staff, new_manager, admin_user, admin_grants, security_officer
):
    new_manager.is_active = False
    new_manager.save()
    people.user_update(actor=admin_user, user=staff, manager=new_manager)
    item = ReviewItem.objects.get(campaign__kind=CampaignKind.MOVER, role_name="DBA")
    assert item.reviewer == security_officer
    assert "inactive" in item.routing_note


def test_the_person_themselves_never_reviews_their_own_move(
    staff, new_manager, admin_grants, security_officer
):
    # A manager cannot be saved as the person themselves; the service refuses that case all the same.
    staff.manager = staff
    mover_review_open(user=staff, before={"manager_id": new_manager.pk, "team_id": staff.team_id}, actor=None)
    (campaign,) = mover_campaigns()
    assert set(campaign.items.values_list("reviewer", flat=True)) == {security_officer.pk}


def test_a_security_officer_who_moves_is_not_their_own_fallback(admin_user):
    officer = UserFactory(roles=["security officer"])
    other_officer = UserFactory(roles=["security officer"])
    grant = GrantFactory(user=officer, role=RoleFactory(privileged=True))
    people.user_update(actor=admin_user, user=officer, team=TeamFactory(name="Security"))
    item = ReviewItem.objects.get(grant=grant)
    assert item.reviewer == other_officer
