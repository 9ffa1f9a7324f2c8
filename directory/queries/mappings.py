"""Reads of group-to-role mappings and admin approvals, and who may decide them."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from directory.choices import ApprovalState
from directory.models import AdminApproval, DirectoryGroup
from directory.queries.connections import may_manage_connections


def groups_of_connection(connection):
    """A connection's groups with their team and mapping (one query), by name."""
    return (
        DirectoryGroup.objects.filter(connection=connection)
        .select_related("team", "role_set_by")
        .order_by("display_name_key")
    )


def group_for(user, pk) -> DirectoryGroup:
    if not may_manage_connections(user):
        raise PermissionDenied("Group mappings are kept by admins.")
    return get_object_or_404(DirectoryGroup.objects.select_related("connection"), pk=pk)


def approvals_for(user):
    """Admin approvals, pending first, then the latest decisions."""
    if not may_manage_connections(user):
        raise PermissionDenied("Admin approvals are decided by admins.")
    return AdminApproval.objects.select_related(
        "group__connection", "group__role_set_by", "person__user", "decided_by"
    ).order_by("-requested_at", "-pk")


def pending_approvals_for(user):
    return approvals_for(user).filter(state=ApprovalState.PENDING)


def approval_for(user, pk) -> AdminApproval:
    return get_object_or_404(approvals_for(user), pk=pk)


def may_decide(user, approval: AdminApproval) -> bool:
    """A second admin decides: not the admin who mapped the group to the admin role, not the person."""
    return (
        may_manage_connections(user)
        and approval.state == ApprovalState.PENDING
        and user.pk != approval.group.role_set_by_id
        and user.pk != approval.person.user_id
    )
