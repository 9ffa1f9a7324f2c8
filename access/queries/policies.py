"""Reads of review policies: the list, one policy, and the grants a policy covers.

Who may read and manage policies is the campaigns' rule (``access.queries.campaigns``): security officers
manage, auditors read.
"""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from access.models import Grant, GrantQuerySet, ReviewPolicy
from access.queries.campaigns import require_manage, require_read

POLICY_SORTS = {"name": "name", "-name": "-name", "next": "next_run_at", "-next": "-next_run_at"}


def policies_for(user, *, q: str = "", enabled: str = "", sort: str = "name") -> QuerySet[ReviewPolicy]:
    require_read(user)
    policies = ReviewPolicy.objects.select_related("fallback_reviewer", "named_reviewer").annotate(
        campaign_count=Count("campaigns")
    )
    if q:
        policies = policies.filter(name__icontains=q)
    if enabled in ("yes", "no"):
        policies = policies.filter(enabled=enabled == "yes")
    return policies.order_by(POLICY_SORTS.get(sort, "name"), "pk")


def get_policy_for(user, pk: int, *, manage: bool = False) -> ReviewPolicy:
    (require_manage if manage else require_read)(user)
    return get_object_or_404(
        ReviewPolicy.objects.select_related("fallback_reviewer", "named_reviewer", "created_by"), pk=pk
    )


def policy_scope(policy: ReviewPolicy) -> GrantQuerySet:
    """Every grant (active or not) in the policy's scope: its systems (none: all), environments (none: all),
    and only privileged roles when it says so."""
    grants = Grant.objects.all()
    system_ids = list(policy.systems.values_list("pk", flat=True)) if policy.pk else []
    if system_ids:
        grants = grants.filter(role__system_id__in=system_ids)
    if policy.environments:
        grants = grants.filter(role__system__environment__in=policy.environments)
    if policy.privileged_only:
        grants = grants.filter(role__privileged=True)
    return grants


def policy_population(policy: ReviewPolicy) -> GrantQuerySet:
    """The active grants in the policy's scope: what a campaign launched now would review."""
    return policy_scope(policy).active()


def revoke_exposure(policy: ReviewPolicy) -> int:
    """How many grants a revoke-by-default policy would revoke today: its whole population, since every
    item nobody decides is revoked."""
    return policy_population(policy).count()


def policy_systems(policy: ReviewPolicy) -> list:
    """The systems a policy names, by name."""
    return list(policy.systems.order_by("name"))
