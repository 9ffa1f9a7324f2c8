"""The portal recertifies itself: its roles are grants on the "DPMS portal" system, kept in step with the
portal-role groups in both directions."""

import pytest
from django.core.exceptions import ValidationError

from access.choices import GrantSource
from access.models import Grant, System
from access.services.grants import grant_revoke
from access.services.portal_roles import PORTAL_NAME, sync_portal_roles
from access.tasks import TICK_STEPS
from dpms import services as people
from dpms.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def portal_grants():
    return Grant.objects.active().filter(role__system__is_portal=True)


def held(user):
    return set(portal_grants().filter(user=user).values_list("role__name", flat=True))


def groups(user):
    return set(user.groups.values_list("name", flat=True))


def test_the_portal_is_a_system_owned_by_the_first_admin_with_three_roles(admin_user, security_officer):
    sync_portal_roles()
    portal = System.objects.get(is_portal=True)
    assert portal.name == PORTAL_NAME
    assert portal.owner == admin_user
    roles = dict(portal.roles.values_list("name", "privileged"))
    assert roles == {"security officer": True, "admin": True, "auditor": False}


def test_each_group_membership_becomes_an_active_portal_grant(security_officer, auditor, admin_user, staff):
    created = sync_portal_roles()
    assert created == 3
    assert held(security_officer) == {"security officer"}
    assert held(auditor) == {"auditor"}
    assert held(admin_user) == {"admin"}
    assert held(staff) == set()
    assert set(portal_grants().values_list("source", flat=True)) == {GrantSource.PORTAL}
    assert AuditEvent.objects.filter(action="access.grant.create").count() == 3


def test_sync_is_idempotent(security_officer, auditor):
    sync_portal_roles()
    events = AuditEvent.objects.count()
    assert sync_portal_roles() == 0
    assert portal_grants().count() == 2
    assert AuditEvent.objects.count() == events


def test_a_lost_membership_revokes_the_grant_as_portal_role_removed(security_officer, auditor):
    sync_portal_roles()
    auditor.groups.clear()  # changed outside the services: the tick's sync catches up
    assert sync_portal_roles() == 1
    grant = Grant.objects.get(user=auditor, role__system__is_portal=True)
    assert grant.revoked_at is not None
    assert grant.revoke_reason == "Portal role removed"
    assert held(security_officer) == {"security officer"}


def test_deactivated_members_get_no_new_grant_but_keep_theirs(security_officer, auditor):
    sync_portal_roles()
    auditor.is_active = False  # deactivated outside the services: the register is left as it was
    auditor.save(update_fields=["is_active"])
    newcomer = UserFactory(roles=["auditor"], is_active=False)
    sync_portal_roles()
    assert held(auditor) == {"auditor"}
    assert held(newcomer) == set()


def test_a_leaver_loses_the_portal_grant_and_role_at_once(security_officer, auditor):
    sync_portal_roles()
    people.user_deactivate(actor=security_officer, user=auditor)
    sync_portal_roles()
    assert held(auditor) == set()
    assert not auditor.groups.exists()  # reactivating them gives no role back by itself


def test_setting_roles_through_the_people_service_syncs_the_grants(admin_user, staff):
    people.user_set_roles(actor=admin_user, user=staff, roles=["auditor", "security officer"])
    assert held(staff) == {"auditor", "security officer"}
    grant = portal_grants().get(user=staff, role__name="auditor")
    assert grant.granted_by == admin_user

    people.user_set_roles(actor=admin_user, user=staff, roles=["security officer"])
    assert held(staff) == {"security officer"}
    revoked = Grant.objects.get(user=staff, role__name="auditor", role__system__is_portal=True)
    assert revoked.revoked_by == admin_user
    assert revoked.revoke_reason == "Portal role removed"


def test_inviting_someone_with_a_role_gives_the_portal_grant(admin_user):
    invited = people.user_invite(
        actor=admin_user, email="new.officer@example.com", full_name="New Officer", roles=["security officer"]
    )
    assert held(invited) == {"security officer"}


def test_revoking_a_portal_grant_in_the_register_removes_the_group(security_officer, auditor):
    sync_portal_roles()
    grant = portal_grants().get(user=auditor)
    grant_revoke(actor=security_officer, grant=grant, reason="Review: no longer auditing this year.")
    auditor.refresh_from_db()
    assert groups(auditor) == set()
    assert AuditEvent.objects.filter(action="people.user.roles", object_id=str(auditor.pk)).exists()
    # And the groups and grants agree afterwards: the safety net has nothing to do.
    assert sync_portal_roles() == 0


def test_an_admin_cannot_revoke_their_own_admin_grant(admin_user):
    sync_portal_roles()
    grant = portal_grants().get(user=admin_user)
    with pytest.raises(ValidationError, match="own admin role"):
        grant_revoke(actor=admin_user, grant=grant, reason="Stepping down.")
    assert groups(admin_user) == {"admin"}
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_the_access_tick_runs_the_sync_as_a_safety_net(security_officer):
    from django.utils import timezone

    from access.services.portal_roles import sync_portal_roles

    assert sync_portal_roles in TICK_STEPS
    assert sync_portal_roles(now=timezone.now()) == 1
    assert held(security_officer) == {"security officer"}


def test_a_portal_role_cannot_be_granted_through_the_register(security_officer, staff):
    """Portal roles are group memberships; the register would only make a grant the next sync revokes."""
    from access.models import Role
    from access.services.grants import grant_create

    sync_portal_roles(now=None)
    admin_role = Role.objects.get(system__is_portal=True, name="admin")
    with pytest.raises(ValidationError, match="administration"):
        grant_create(actor=security_officer, user=staff, role=admin_role, justification="Wants admin")
    assert not staff.grants.filter(role=admin_role).exists()
