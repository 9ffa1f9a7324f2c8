"""The portal recertifies itself: DPMS is a system in the register, its portal roles are roles on it, and each
portal-role group membership is an active grant (source "portal"), reviewed like any other access.

The groups stay the source of truth for permissions; the grants follow them both ways:

- a group membership gained or lost (``dpms.services.user_set_roles``, which calls our role listener, or
  anything else, caught up by the access tick) creates or revokes the grant;
- a portal grant revoked through the register (a review, an expiry, a security officer) removes the
  membership, through ``dpms.services.user_set_roles`` so people's own audit trail shows it too (done by
  ``access.services.grants.grant_revoke``, which every revocation goes through).
"""

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from access.choices import DataClassification, Environment, GrantSource
from access.models import Grant, Role, System
from access.services.grants import grant_create, grant_revoke
from dpms import audit
from dpms.models import PortalRole, User

PORTAL_NAME = "DPMS portal"
PRIVILEGED_ROLES = {PortalRole.SECURITY_OFFICER, PortalRole.ADMIN}
REMOVED_REASON = "Portal role removed"
GRANTED_JUSTIFICATION = "Holds this portal role (member of the portal's “{role}” group)."
ROLE_DESCRIPTIONS = {
    PortalRole.SECURITY_OFFICER: "Manages the access register, policies, campaigns, risks and incidents.",
    PortalRole.AUDITOR: "Reads everything, including the audit trail; changes nothing.",
    PortalRole.ADMIN: "Manages people and their portal roles; opens the Django admin.",
}


def _first_admin():
    return (
        User.objects.people()
        .filter(is_active=True, groups__name=PortalRole.ADMIN)
        .order_by("date_joined", "pk")
        .first()
    )


@transaction.atomic
def portal_system(*, actor=None) -> System:
    """The portal's own system and its three roles, created on first use (audited)."""
    system = System.objects.filter(is_portal=True).first()
    if system is None:
        owner = _first_admin()
        try:
            with transaction.atomic():
                system = System.objects.create(
                    name=PORTAL_NAME,
                    is_portal=True,
                    owner=owner,
                    description="This portal: its portal roles are recertified like any other access.",
                    environment=Environment.PRODUCTION,
                    data_classification=DataClassification.CONFIDENTIAL,
                )
        except IntegrityError:  # created meanwhile by a concurrent sync (one portal system, a constraint)
            return System.objects.get(is_portal=True)
        audit.record(
            action="access.system.create",
            actor=actor,
            obj=system,
            changes={
                "created": {"name": system.name, "owner": owner.email if owner else None, "portal": True}
            },
        )
    # Lock the row: two first syncs at once (two workers' ticks) must not both create the roles.
    system = System.objects.select_for_update().get(pk=system.pk)
    have = set(system.roles.values_list("name", flat=True))
    for role_name in PortalRole.values:
        if role_name in have:
            continue
        role = Role.objects.create(
            system=system,
            name=role_name,
            description=ROLE_DESCRIPTIONS[PortalRole(role_name)],
            privileged=role_name in PRIVILEGED_ROLES,
        )
        audit.record(
            action="access.role.create",
            actor=actor,
            obj=role,
            changes={"created": {"system": system.name, "name": role.name, "privileged": role.privileged}},
        )
    return system


@transaction.atomic
def sync_portal_roles(*, now=None, actor=None, user=None) -> int:
    """Bring the portal's grants in step with the portal-role groups (for one ``user``, or everyone): a grant
    for each active member lacking one, and a revocation ("Portal role removed") for each grant whose
    membership is gone. Returns how many grants it created or revoked; a second run does nothing.

    Deactivated members keep their grant (the review flags them) but get no new one.
    """
    now = now or timezone.now()
    system = portal_system(actor=actor)
    # Lock the portal system row: two syncs at once (a tick on two workers, a role change during a tick)
    # would otherwise both create the same grant or both revoke the same one.
    system = System.objects.select_for_update().get(pk=system.pk)
    roles = {role.name: role for role in Role.objects.filter(system=system, name__in=PortalRole.values)}
    members = Group.objects.filter(name__in=PortalRole.values)
    if user is not None:
        members = members.filter(user=user)
    membership = set(members.values_list("name", "user"))
    active_users = set(
        User.objects.filter(pk__in={user_id for _name, user_id in membership}, is_active=True).values_list(
            "pk", flat=True
        )
    )
    grants = Grant.objects.active().filter(role__in=roles.values()).select_related("user", "role")
    if user is not None:
        grants = grants.filter(user=user)
    held = {(grant.role.name, grant.user_id): grant for grant in grants}
    changed = 0
    for role_name, user_id in sorted(membership - set(held)):
        if user_id not in active_users:
            continue
        grant_create(
            actor=actor,
            user=User.objects.get(pk=user_id),
            role=roles[role_name],
            justification=GRANTED_JUSTIFICATION.format(role=role_name),
            source=GrantSource.PORTAL,
            granted_at=now,
        )
        changed += 1
    for key in sorted(set(held) - membership):
        grant_revoke(actor=actor, grant=held[key], reason=REMOVED_REASON, now=now)
        changed += 1
    return changed


def sync_portal_roles_for(*, user, actor) -> None:
    """Role listener (``dpms.portal.register_role_listener``): one person's portal roles just changed."""
    sync_portal_roles(actor=actor, user=user)
