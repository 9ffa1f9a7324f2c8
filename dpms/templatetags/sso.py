"""Template helpers of single sign-on pages."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def sso_only() -> bool:
    """Whether SSO-only mode is on (the sign-in page then shows the providers and no password form)."""
    return bool(settings.SSO_ONLY)


@register.simple_tag
def linked_identities(user) -> list[dict]:
    """The person's linked identities (``dpms.sso.linked_identities``)."""
    from dpms.sso import linked_identities as identities

    return identities(user)
