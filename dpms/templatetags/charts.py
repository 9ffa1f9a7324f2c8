"""``{% chart some_chart %}``: draws a ``dpms.charts.Chart`` with its partial (nothing for None)."""

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag
def chart(drawing):
    """The chart's SVG and its hidden table of values, from ``templates/partials/charts/<kind>.html``."""
    if drawing is None:
        return ""
    return render_to_string(drawing.template, {"chart": drawing})
