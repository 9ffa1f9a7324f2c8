"""``{% load mfa_tags %}``: whether the signed-in person must have a second factor (dpms/mfa.py)."""

from django import template

from dpms import mfa

register = template.Library()


@register.filter
def needs_second_factor(user) -> bool:
    """``{% if user|needs_second_factor %}``: their role (or break-glass account) requires a second factor."""
    return mfa.mfa_required(user)
