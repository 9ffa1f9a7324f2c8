"""Reads of acknowledgements per policy version, the evidence an auditor asks for: who acknowledged a version
and when, and who in the policy's audience has not. Security officers and auditors read them; anyone else is
refused (403). An acknowledgement of one version says nothing of another: every list here is of one version.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dpms.models import User
from policies.models import Acknowledgement, PolicyVersion
from policies.queries.campaigns import population, reads_campaigns


def may_read_acknowledgements(user) -> bool:
    """Security officers and auditors (as the campaigns and their evidence)."""
    return reads_campaigns(user)


def require_read(user) -> None:
    if not may_read_acknowledgements(user):
        raise PermissionDenied(_("Only security officers and auditors see who acknowledged a policy."))


def get_version(user, policy_id: int, number: int) -> PolicyVersion:
    """Version ``number`` of policy ``policy_id`` (403 for who may not read acknowledgements, else 404 when
    there is none)."""
    require_read(user)
    version = (
        PolicyVersion.objects.select_related("policy").filter(policy_id=policy_id, number=number).first()
    )
    if version is None:
        raise Http404(_("No such policy version."))
    return version


def acknowledgements_of(version: PolicyVersion, *, team_id: int | None = None) -> QuerySet[Acknowledgement]:
    """Who acknowledged ``version`` and when (latest first), with the campaign it was given in (if any)."""
    rows = Acknowledgement.objects.filter(version=version).select_related(
        "person", "person__team", "assignment__campaign"
    )
    if team_id:
        rows = rows.filter(person__team_id=team_id)
    return rows.order_by("-acknowledged_at", "-pk")


def not_acknowledged(version: PolicyVersion, *, team_id: int | None = None) -> QuerySet[User]:
    """The people in the policy's audience today who have not acknowledged ``version`` (by name)."""
    done = Acknowledgement.objects.filter(version=version, person=OuterRef("pk"))
    people = population(version.policy).exclude(Exists(done)).select_related("team", "manager")
    if team_id:
        people = people.filter(team_id=team_id)
    return people.order_by("full_name", "pk")


def acknowledgements_for(user) -> QuerySet[Acknowledgement]:
    """Every acknowledgement, for who may read them (the API's list), latest first."""
    require_read(user)
    return Acknowledgement.objects.select_related(
        "person", "person__team", "version", "version__policy", "assignment__campaign"
    ).order_by("-acknowledged_at", "-pk")


def get_acknowledgement(user, pk: int) -> Acknowledgement:
    """One acknowledgement, for who may read them (403 for others, 404 when there is none)."""
    found = acknowledgements_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such acknowledgement."))
    return found
