"""Reads for birthright rules: who may see and change them, and the rules with their teams and roles."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from access.models import BirthrightRule, Role


def may_read_birthright(user) -> bool:
    """Security officers set the rules; auditors read them."""
    return bool(user.is_security_officer or user.is_auditor)


def may_manage_birthright(user) -> bool:
    return bool(user.is_security_officer)


def check_may_read(user) -> None:
    if not may_read_birthright(user):
        raise PermissionDenied(_("Birthright access is set by the security officers."))


def get_rule_for_change(user, pk) -> BirthrightRule:
    """A rule a security officer removes: 403 for anyone else (auditors read the page), 404 when gone."""
    check_may_read(user)
    if not may_manage_birthright(user):
        raise PermissionDenied(_("Only security officers change birthright access."))
    rule = BirthrightRule.objects.select_related("team", "role__system").filter(pk=pk).first()
    if rule is None:
        raise Http404("No such birthright rule.")
    return rule


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
