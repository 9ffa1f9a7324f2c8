"""Reads of the register: which systems, grants and people's access a person may see, and who may manage.

Visibility of grants follows the policy: security officers and auditors see everything; a system owner sees
the grants on their systems; a manager sees their direct reports' grants; everyone sees their own. Sets are
filtered by fields in one queryset (never a per-row permission check). The systems catalogue (names, roles,
counts) is open to every signed-in person, so anyone can find the role to ask for; who holds a role is not.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import Finding, Grant, Role, System
from dpms.models import User

EXPIRING_SOON_DAYS = 30

GRANT_SORTS = {
    "person": ("user__full_name", "user__email", "role__system__name", "role__name"),
    "-person": ("-user__full_name", "-user__email", "role__system__name", "role__name"),
    "system": ("role__system__name", "role__name", "user__full_name"),
    "-system": ("-role__system__name", "role__name", "user__full_name"),
    "role": ("role__name", "role__system__name", "user__full_name"),
    "-role": ("-role__name", "role__system__name", "user__full_name"),
    "granted": ("granted_at", "pk"),
    "-granted": ("-granted_at", "-pk"),
    "expires": ("expires_at", "pk"),
    "-expires": ("-expires_at", "-pk"),
}

SYSTEM_SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "environment": ("environment", "name"),
    "-environment": ("-environment", "name"),
    "classification": ("data_classification", "name"),
    "-classification": ("-data_classification", "name"),
    "holders": ("holder_count", "name"),
    "-holders": ("-holder_count", "name"),
    "privileged": ("privileged_count", "name"),
    "-privileged": ("-privileged_count", "name"),
}


# --- Who sees what --------------------------------------------------------------------------------------


def sees_everything(user) -> bool:
    """Security officers and auditors read the whole register."""
    return user.is_security_officer or user.is_auditor


def visible_grants(user):
    """Every grant (active or revoked) ``user`` may see, by the visibility rules above."""
    grants = Grant.objects.all()
    if sees_everything(user):
        return grants
    return grants.filter(Q(user=user) | Q(user__manager=user) | Q(role__system__owner=user))


def can_manage_system(user, system: System) -> bool:
    """Security officers and the system's owner create and revoke grants; auditors never change anything."""
    if not user.is_active:
        return False
    return user.is_security_officer or (system.owner_id is not None and system.owner_id == user.pk)


def can_see_findings(user, system: System) -> bool:
    return sees_everything(user) or system.owner_id == user.pk


def may_see_all_findings(user) -> bool:
    """The open findings of every system (the dashboard panel) are the security officers' to act on."""
    return bool(user.is_security_officer)


def get_system_for_user(user, pk) -> System:
    """A system from the catalogue (every signed-in person may look it up); 404 when it does not exist."""
    return get_object_or_404(System.objects.select_related("owner"), pk=pk)


def get_system_for_manager(user, pk) -> System:
    """A system whose grants ``user`` may change: 404 when unknown, 403 when they may only look."""
    system = get_system_for_user(user, pk)
    if not can_manage_system(user, system):
        raise PermissionDenied(_("Only security officers and the system's owner manage its grants."))
    return system


def get_grant_for_manager(user, pk) -> Grant:
    """A grant ``user`` may revoke: 404 when they may not see it, 403 when they may see but not change it."""
    grant = get_object_or_404(
        visible_grants(user).select_related("user", "role__system__owner", "granted_by"), pk=pk
    )
    if not can_manage_system(user, grant.role.system):
        raise PermissionDenied(_("Only security officers and the system's owner revoke its grants."))
    return grant


def get_person_for_user(user, pk) -> tuple[User, bool]:
    """A person whose access page ``user`` may open, and whether they see all of it.

    The person, their manager, security officers and auditors see everything; a system owner sees only the
    part on their systems, and only when there is such a part; anyone else gets a 404.
    """
    person = get_object_or_404(User.objects.people().select_related("team", "manager"), pk=pk)
    if person.pk == user.pk or person.manager_id == user.pk or sees_everything(user):
        return person, True
    if Grant.objects.filter(user=person, role__system__owner=user).exists():
        return person, False
    raise Http404(_("No such person."))


def active_and_revoked(grants):
    """``grants`` split into the active ones (by system and role) and the revoked ones (latest first)."""
    return (
        grants.filter(revoked_at__isnull=True).order_by("role__system__name", "role__name"),
        grants.filter(revoked_at__isnull=False).order_by("-revoked_at", "-pk"),
    )


def person_grants(viewer, person, *, whole: bool):
    """The person's grants the viewer may see: all of them, or only those on the viewer's systems."""
    grants = Grant.objects.filter(user=person)
    if not whole:
        grants = grants.filter(role__system__owner=viewer)
    return grants.select_related("role__system", "granted_by", "revoked_by")


# --- Systems ----------------------------------------------------------------------------------------------


def count_subquery(queryset, group_by: str):
    """A correlated COUNT subquery: several counts on one row without multiplying joins."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def systems_with_counts():
    """Systems with roles, distinct active holders, active privileged grants and open findings counted."""
    active = Grant.objects.active().filter(role__system=OuterRef("pk"))
    holders = active.order_by().values("role__system").annotate(n=Count("user", distinct=True)).values("n")
    return System.objects.select_related("owner").annotate(
        role_count=count_subquery(Role.objects.filter(system=OuterRef("pk")), "system"),
        holder_count=Coalesce(Subquery(holders, output_field=IntegerField()), Value(0)),
        privileged_count=count_subquery(active.filter(role__privileged=True), "role__system"),
        open_finding_count=count_subquery(
            Finding.objects.filter(system=OuterRef("pk"), resolved_at__isnull=True), "system"
        ),
    )


def filter_systems(systems, *, q="", environment="", classification="", owner=None, findings=False, sort=""):
    if q:
        systems = systems.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if environment:
        systems = systems.filter(environment=environment)
    if classification:
        systems = systems.filter(data_classification=classification)
    if owner is not None:
        systems = systems.filter(owner=owner)
    if findings:
        systems = systems.filter(open_finding_count__gt=0)
    return systems.order_by(*SYSTEM_SORTS.get(sort, SYSTEM_SORTS["name"]))


def active_privileged_count(system: System) -> int:
    return Grant.objects.active().privileged().filter(role__system=system).count()


def privileged_headroom(system: System) -> int:
    """How many more privileged grants fit on ``system``; negative when it is over its maximum already."""
    return system.max_privileged - active_privileged_count(system)


def system_owners():
    return User.objects.people().filter(owned_systems__isnull=False).distinct().order_by("full_name", "email")


def system_roles(system: System):
    """The system's roles with their active holders counted."""
    return system.roles.annotate(
        holder_count=Count("grants", filter=Q(grants__revoked_at__isnull=True))
    ).order_by("-privileged", "name")


def system_holders(user, system: System):
    """Active grants on the system that ``user`` may see, privileged first."""
    return (
        visible_grants(user)
        .active()
        .filter(role__system=system)
        .select_related("user__team", "role", "granted_by")
        .order_by("-role__privileged", "user__full_name", "user__email", "role__name")
    )


def all_open_findings():
    """Every open finding, newest first, with its system or person."""
    return (
        Finding.objects.filter(resolved_at__isnull=True)
        .select_related("system", "person")
        .order_by("-opened_at", "-pk")
    )


def open_findings(system: System):
    return system.findings.filter(resolved_at__isnull=True).select_related("grant__user", "grant__role")


# --- Grants list ----------------------------------------------------------------------------------------


def filter_grants(
    grants,
    *,
    system=None,
    role=None,
    privileged="",
    environment="",
    person="",
    team=None,
    expiring=False,
    status="active",
    sort="",
    now=None,
):
    """Apply the grants list's filters; ``person`` matches name or email, ``expiring`` the next 30 days."""
    if status == "active" or not status:
        grants = grants.filter(revoked_at__isnull=True)
    elif status == "revoked":
        grants = grants.filter(revoked_at__isnull=False)
    if system is not None:
        grants = grants.filter(role__system=system)
    if role is not None:
        grants = grants.filter(role=role)
    if privileged == "yes":
        grants = grants.filter(role__privileged=True)
    elif privileged == "no":
        grants = grants.filter(role__privileged=False)
    if environment:
        grants = grants.filter(role__system__environment=environment)
    if person:
        grants = grants.filter(Q(user__full_name__icontains=person) | Q(user__email__icontains=person))
    if team is not None:
        grants = grants.filter(user__team=team)
    if expiring:
        now = now or timezone.now()
        soon = now + datetime.timedelta(days=EXPIRING_SOON_DAYS)
        grants = grants.filter(expires_at__isnull=False, expires_at__gt=now, expires_at__lte=soon)
    return grants.order_by(*GRANT_SORTS.get(sort, GRANT_SORTS["person"]))


def grants_for_list(user):
    """The grants ``user`` may see, with everything a list row or CSV line shows fetched in the same query."""
    return visible_grants(user).select_related("user__team", "role__system", "granted_by", "revoked_by")


# What a row of the grants list shows: the grant's, its holder's (name, email, team), its role's and system's,
# and who granted and revoked it.
GRANT_ROW_FIELDS = (
    "pk",
    "user_id",
    "user__full_name",
    "user__email",
    "user__team__name",
    "role__system_id",
    "role__system__name",
    "role__system__environment",
    "role__name",
    "role__privileged",
    "granted_at",
    "granted_by__full_name",
    "granted_by__email",
    "expires_at",
    "revoked_at",
    "revoked_by__full_name",
    "revoked_by__email",
)


def grant_rows(ids) -> list[dict]:
    """The grants ``ids`` (a page of ``grants_for_list``, so ones the viewer may see) in that order, each as
    the fields of ``GRANT_ROW_FIELDS``: one query, with no model built for a grant, its holder, team, role,
    system or the people who granted and revoked it (seven a row)."""
    if not ids:
        return []
    rows = Grant.objects.filter(pk__in=ids).order_by().values(*GRANT_ROW_FIELDS)  # in the ids' order below
    by_pk = {row["pk"]: row for row in rows}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def roles_catalogue():
    """Every role with its system and its active holders counted: the catalogue everyone signed in may read
    (to find the role to ask for), as the systems are."""
    return Role.objects.select_related("system").annotate(
        holder_count=count_subquery(Grant.objects.active().filter(role=OuterRef("pk")), "role")
    )


# --- A manager's reports and their access (the dashboard) ---------------------------------------------------
def reports_access(manager, *, limit: int) -> list[User]:
    """Up to ``limit`` of the manager's active direct reports, most access first, each with their active
    grants counted (``grant_count``) and the privileged ones apart (``privileged_count``): one query. A
    manager sees their reports' grants (``visible_grants``), so these are numbers they may open."""
    active = Grant.objects.active().filter(user=OuterRef("pk"))
    return list(
        User.objects.people()
        .filter(manager=manager, is_active=True)
        .annotate(
            grant_count=count_subquery(active, "user"),
            privileged_count=count_subquery(active.filter(role__privileged=True), "user"),
        )
        .order_by("-grant_count", "full_name", "email")[:limit]
    )


# --- The header's search (dpms.search) ----------------------------------------------------------------------
def people_matching(user, term: str, *, limit: int) -> list[User]:
    """People whose name or email holds ``term`` and whose access page ``user`` may open (the rule of
    ``get_person_for_user``: themselves, their reports, everyone for officers and auditors, and holders of a
    grant on a system they own), by name; one query."""
    people = User.objects.people().filter(Q(full_name__icontains=term) | Q(email__icontains=term))
    if not sees_everything(user):
        owned = Grant.objects.filter(user=OuterRef("pk"), role__system__owner=user)
        people = people.filter(Q(pk=user.pk) | Q(manager=user) | Exists(owned))
    return list(people.order_by("full_name", "email")[:limit])


def systems_matching(term: str, *, limit: int) -> list[System]:
    """Systems whose name or description holds ``term`` (the catalogue is open to everyone signed in, as
    the systems list's search), by name; one query."""
    systems = System.objects.filter(Q(name__icontains=term) | Q(description__icontains=term))
    return list(systems.order_by("name")[:limit])


def roles_matching(term: str, *, limit: int) -> list[Role]:
    """Roles whose name holds ``term``, with their systems (the roles catalogue is everyone's); one query."""
    roles = Role.objects.select_related("system").filter(name__icontains=term)
    return list(roles.order_by("name", "system__name")[:limit])
