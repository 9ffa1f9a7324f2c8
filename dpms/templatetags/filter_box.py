"""The filter box of a list (templates/partials/filters.html): how many filters are set, which decides
whether the box is open on a phone."""

from django import template
from django.forms import Form

register = template.Library()

# Fields of a filter form that order or page the list rather than narrow it.
NOT_FILTERS = frozenset({"sort", "order", "page", "per_page"})


@register.filter
def filters_set(form: Form) -> int:
    """How many of the list's filters are set: the fields changed from the form's defaults (an unsubmitted
    form has none), the sort order not counted."""
    if not form.is_bound:
        return 0
    return sum(1 for name in form.changed_data if name not in NOT_FILTERS)
