"""Template tags for the treatment sections of a risk's page: each costs one query whatever the number of
rows, and none when the view prefetched them (``risk.queries.acceptances.treatment_prefetches``)."""

from django import template

from risk.models import RiskAcceptance, TreatmentAction

register = template.Library()


def _prefetched(risk, name):
    return getattr(risk, "_prefetched_objects_cache", {}).get(name)


@register.simple_tag
def risk_actions(risk) -> list[TreatmentAction]:
    """The risk's treatment actions with their owners, earliest due first."""
    cached = _prefetched(risk, "actions")
    if cached is not None:
        return list(cached)
    return list(TreatmentAction.objects.filter(risk=risk).select_related("owner").order_by("due_on", "pk"))


@register.simple_tag
def risk_acceptances(risk) -> list[RiskAcceptance]:
    """The risk's acceptances, newest first, with the people who asked and approved."""
    cached = _prefetched(risk, "acceptances")
    if cached is not None:
        return list(cached)
    return list(
        RiskAcceptance.objects.filter(risk=risk)
        .select_related("requested_by", "officer_approved_by", "admin_approved_by")
        .order_by("-requested_at", "-pk")
    )
