"""Reads for birthright rules: who may see and change them, and the rules with their teams and roles."""

from django.core.exceptions import PermissionDenied

from access.models import BirthrightRule, Role


def may_read_birthright(user) -> bool:
    """Security officers set the rules; auditors read them."""
    return bool(user.is_security_officer or user.is_auditor)


def may_manage_birthright(user) -> bool:
    return bool(user.is_security_officer)


def check_may_read(user) -> None:
    if not may_read_birthright(user):
        raise PermissionDenied("Birthright access is set by the security officers.")


def rules_for_list():
    """Every rule with its team, role and system (one query), by team, system and role."""
    return BirthrightRule.objects.select_related("team", "role__system", "created_by").order_by(
        "team__name", "role__system__name", "role__name", "pk"
    )


def birthright_role_choices():
    """The roles a rule may give: baseline roles, neither privileged nor the portal's own."""
    return (
        Role.objects.filter(privileged=False, system__is_portal=False)
        .select_related("system")
        .order_by("system__name", "name")
    )
