"""How an audit event reads in a page: its changes as "field: before → after" lines (``audit_changes``),
its action as a phrase and its object type by name, from ``dpms.audit_words``. Long values are cut short
with the whole value a click away; the whole event is in the CSV export.

The lines are written in Python (``dpms.audit_rows.changes_html``) rather than by included templates: fifty
events of a dozen lines each would be hundreds of template includes on every page. The audit trail's own
page writes its rows there whole (``dpms.audit_rows.trail_rows``); these tags serve the pages that show an
object's few events (a review item's history, a vulnerability's timeline)."""

from django import template
from django.utils.safestring import SafeString

from dpms import audit_rows, audit_words

register = template.Library()


@register.simple_tag
def audit_changes(event) -> SafeString:
    """An event's changes as a list of lines, the lines past the first few folded behind "n more"; no
    query."""
    return audit_rows.changes_html(event, audit_words.Reading())


@register.filter
def object_type_name(object_type: str) -> str:
    """``access.reviewitem`` → "Review item"."""
    return audit_words.object_type_name(object_type or "")


@register.filter
def action_phrase(action: str) -> str:
    """``access.item.decide`` → "Review item decided"."""
    return audit_words.action_phrase(action or "")
