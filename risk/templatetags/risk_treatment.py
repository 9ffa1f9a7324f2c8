"""Template tags for the treatment sections of a risk's page (its actions and its acceptances). The reads
and rules live in ``risk.queries.actions`` and ``risk.queries.acceptances``."""

from django import template

from risk.models import RiskAcceptance, TreatmentAction
from risk.queries import acceptances, actions

register = template.Library()


@register.simple_tag
def risk_actions(risk) -> list[TreatmentAction]:
    """The risk's treatment actions with their owners, earliest due first."""
    return actions.risk_actions(risk)


@register.simple_tag
def risk_acceptances(risk) -> list[RiskAcceptance]:
    """The risk's acceptances, newest first, with the people who asked and approved."""
    return acceptances.risk_acceptances(risk)


@register.simple_tag(takes_context=True)
def may_request_acceptance(context, risk) -> bool:
    """Whether the signed-in person may ask to accept ``risk``."""
    return acceptances.may_request_acceptance(context["request"].user, risk)
