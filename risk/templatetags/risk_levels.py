"""The level of a risk with its colour, as a tag rather than an included template: the register shows one
per row, and an include per row was a good part of the page's rendering. ``risk/register/_level.html``
draws it through this tag too, so the markup is written once."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def risk_level(level) -> str:
    """``level``: {"name", "colour", "index", "above_appetite"}, or None for a score not set."""
    if not level:
        return format_html('<span class="muted">{}</span>', gettext("Not set"))
    return format_html(
        '<span class="risk-level level-{}"><svg class="risk-swatch" viewBox="0 0 12 12" aria-hidden="true"'
        ' focusable="false"><rect width="12" height="12" rx="2" fill="{}"/></svg> {}{}</span>',
        level["index"],
        level["colour"],
        level["name"],
        format_html(' <span class="tag overdue">{}</span>', gettext("Above appetite"))
        if level["above_appetite"]
        else "",
    )
