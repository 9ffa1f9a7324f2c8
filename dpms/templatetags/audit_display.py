"""How an audit event's changes are shown in a list: pretty-printed, with long lists and texts cut short
(an import's event names every grant it created: 20,000 ids would make one row of the trail 150 KB). The
whole event is in the CSV export."""

from pprint import pformat

from django import template

register = template.Library()

LIST_SHOWN = 20
TEXT_SHOWN = 500


def _brief(value):
    if isinstance(value, dict):
        return {key: _brief(item) for key, item in value.items()}
    if isinstance(value, list):
        shown = [_brief(item) for item in value[:LIST_SHOWN]]
        if len(value) > LIST_SHOWN:
            shown.append(f"… and {len(value) - LIST_SHOWN:,} more")
        return shown
    if isinstance(value, str) and len(value) > TEXT_SHOWN:
        return f"{value[:TEXT_SHOWN]}… ({len(value):,} characters)"
    return value


@register.filter
def brief_changes(changes) -> str:
    """The changes pretty-printed as ``pprint`` does, lists past 20 items and texts past 500 characters cut
    short with how much more there is."""
    return pformat(_brief(changes))
