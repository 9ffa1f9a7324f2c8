"""Template helpers of single sign-on pages."""

from django import template
from django.conf import settings

from dpms.passwords import is_break_glass

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


@register.simple_tag
def password_allowed(user) -> bool:
    """Whether ``user`` may use a password here: always, except in SSO-only mode for all but break-glass
    accounts (the account menu then offers no password change)."""
    return not settings.SSO_ONLY or is_break_glass(getattr(user, "email", ""))
