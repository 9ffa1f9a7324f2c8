"""Group-to-role mappings (an admin says: members of this directory group are auditors) and the approvals
the admin role needs from a second admin."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from directory.choices import ApprovalState, MappedRole
from directory.models import AdminApproval, DirectoryGroup, DirectoryUser
from directory.services.scim import settle_roles, settle_team
from dpms import audit
from dpms.models import User


@transaction.atomic
def group_map_role(*, actor: User, group: DirectoryGroup, role: str) -> DirectoryGroup:
    """Map a group to a portal role (or to none). Members get security officer and auditor at once; for the
    admin role each member waits for an admin other than ``actor`` to approve them."""
    if role and role not in MappedRole.values:
        raise ValidationError({"role": gettext("Not a portal role a group may give.")})
    group = DirectoryGroup.objects.select_for_update().get(pk=group.pk)
    before = group.role
    if before == role:
        return group
    group.role, group.role_set_by, group.role_set_at = role, actor, timezone.now()
    group.save(update_fields=["role", "role_set_by", "role_set_at"])
    audit.record(
        action="directory.group.map_role",
        actor=actor,
        obj=group,
        changes={"role": [before, role], "connection": group.connection.name},
    )
    for person in DirectoryUser.objects.filter(memberships__group=group).select_related("connection"):
        settle_roles(person)
        settle_team(person)
    return group


@transaction.atomic
def admin_approval_decide(*, actor: User, approval: AdminApproval, approve: bool) -> AdminApproval:
    """A second admin approves or refuses that a directory group makes a person an admin. Neither the admin
    who mapped the group nor the person decides."""
    # Lock: two admins deciding at once must not both act.
    approval = (
        AdminApproval.objects.select_for_update(of=("self",))
        .select_related("group", "person")
        .get(pk=approval.pk)
    )
    if approval.state != ApprovalState.PENDING:
        raise ValidationError(gettext("This approval was decided already."))
    if not actor.is_admin:
        raise PermissionError(gettext("Only admins decide."))
    if actor.pk == approval.group.role_set_by_id:
        raise PermissionError(
            gettext("The admin who mapped the group cannot also approve: a second admin does.")
        )
    if actor.pk == approval.person.user_id:
        raise PermissionError(gettext("Nobody approves their own admin role."))
    approval.state = ApprovalState.APPROVED if approve else ApprovalState.REFUSED
    approval.decided_by, approval.decided_at = actor, timezone.now()
    approval.save(update_fields=["state", "decided_by", "decided_at"])
    audit.record(
        action="directory.admin_approval.approve" if approve else "directory.admin_approval.refuse",
        actor=actor,
        obj=approval.person.user,
        changes={"group": approval.group.display_name},
    )
    if approve:
        settle_roles(approval.person)
    return approval
