"""How an audit event reads in a page: its changes as "field: before → after" lines (``audit_changes``)
and its object type by name (``object_type_name``), both from ``dpms.audit_words``. Long values are cut
short with the whole value a click away; the whole event is in the CSV export.

The lines are written here rather than by included templates: fifty events of a dozen lines each would be
hundreds of template includes on every page of the trail.

``brief_changes`` (the changes pretty-printed as stored) stays for pages that have not moved to the lines."""

from pprint import pformat

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from dpms import audit_words

register = template.Library()

LIST_SHOWN = 20
TEXT_SHOWN = 500
NOTHING = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant


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


def _value(value: audit_words.Value | None) -> SafeString:
    if value is None or value.empty:
        return NOTHING
    if value.full:
        return format_html(
            '<details class="audit-long"><summary>{}</summary><span class="audit-full">{}</span></details>',
            value.text,
            value.full,
        )
    return format_html("{}", value.text)


def _line(line: audit_words.Line) -> SafeString:
    label = format_html('<span class="audit-field">{}:</span>', line.label)
    if line.kind == "change":
        return format_html(
            '<li>{} <del class="audit-old">{}</del> <span aria-hidden="true">→</span>'
            '<span class="visually-hidden">changed to</span> <ins class="audit-new">{}</ins></li>',
            label,
            _value(line.before),
            _value(line.after),
        )
    if line.kind == "group":
        inner = format_html_join("", "{}", ((_line(item),) for item in line.lines))
        return format_html('<li>{}<ul class="audit-changes">{}</ul></li>', label, inner)
    return format_html("<li>{} {}</li>", label, _value(line.value))


@register.simple_tag
def audit_changes(event) -> SafeString:
    """An event's changes as a list of lines (``dpms.audit_words.change_lines``), the lines past the first
    few folded behind "n more"; no query."""
    changes = audit_words.change_lines(
        action=event.action, object_type=event.object_type, changes=event.changes
    )
    if not changes.shown:
        return NOTHING
    shown = format_html_join("", "{}", ((_line(line),) for line in changes.shown))
    if changes.folded:
        folded = format_html_join("", "{}", ((_line(line),) for line in changes.folded))
        shown = format_html(
            '{}<li><details><summary>{} more</summary><ul class="audit-changes">{}</ul></details></li>',
            shown,
            len(changes.folded),
            folded,
        )
    return format_html('<ul class="audit-changes">{}</ul>', shown)


@register.filter
def object_type_name(object_type: str) -> str:
    """``access.reviewitem`` → "Review item"."""
    return audit_words.object_type_name(object_type or "")
