"""How an audit event reads in a page: its changes as "field: before → after" lines (``audit_changes``)
and its object type by name (``object_type_name``), both from ``dpms.audit_words``. Long values are cut
short with the whole value a click away; the whole event is in the CSV export.

The lines are written here rather than by included templates: fifty events of a dozen lines each would be
hundreds of template includes on every page of the trail."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from dpms import audit_words

register = template.Library()

NOTHING = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant


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
            '<span class="visually-hidden">{}</span> <ins class="audit-new">{}</ins></li>',
            label,
            _value(line.before),
            gettext("changed to"),
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
            '{}<li><details><summary>{}</summary><ul class="audit-changes">{}</ul></details></li>',
            shown,
            ngettext("%(count)s more", "%(count)s more", len(changes.folded))
            % {"count": len(changes.folded)},
            folded,
        )
    return format_html('<ul class="audit-changes">{}</ul>', shown)


@register.filter
def object_type_name(object_type: str) -> str:
    """``access.reviewitem`` → "Review item"."""
    return audit_words.object_type_name(object_type or "")


@register.filter
def action_phrase(action: str) -> str:
    """``access.item.decide`` → "Review item decided"."""
    return audit_words.action_phrase(action or "")
