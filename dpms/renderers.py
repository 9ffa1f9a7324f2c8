"""The form renderer: the widgets every page draws (text and other inputs, checkboxes, selects, textareas)
written in Python, everything else through Django's templates.

Django draws each widget with two or three template renders (the widget, its attributes, each option of a
select); on a list page with a filter form that was a fifth of the page's time. The HTML is the one
Django's templates give (``django/forms/widgets/*.html``), escaped the same way; ``FORM_RENDERER`` in
``dpms/settings.py`` selects this renderer.
"""

from collections.abc import Callable

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

WIDGETS = "django/forms/widgets/"
INPUTS = ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time",
          "search", "tel", "color", "checkbox")  # fmt: skip


# Each piece below is escaped as Django's template escapes it: ``{{ x }}`` is conditional_escape (a value
# marked safe stays as it is), ``{{ x|stringformat:'s' }}`` always escapes (the filter makes a plain string).


def _safe(html: str) -> SafeString:
    return mark_safe(html)  # noqa: S308 - only ever given text built from escaped pieces, here


def _attrs(attrs: dict) -> str:
    """``attrs.html``: `` name="value"`` each, a bare name for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}")
        if value is not True:
            parts.append(f'="{escape(value)}"')
    return "".join(parts)


def _input(widget: dict) -> SafeString:
    value = widget["value"]
    shown = "" if value is None else f' value="{escape(value)}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return _safe(f'<input type="{kind}" name="{name}"{shown}{_attrs(widget["attrs"])}>')


def _option(option: dict) -> str:
    label = conditional_escape(option["label"])
    return f'<option value="{escape(option["value"])}"{_attrs(option["attrs"])}>{label}</option>'


def _select(widget: dict) -> SafeString:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        # Django's option template ends with a line break, kept in its output.
        parts.extend(f"\n  {_option(option)}\n" for option in group_choices)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return _safe("".join(parts))


def _textarea(widget: dict) -> SafeString:
    text = conditional_escape(widget["value"]) if widget["value"] else ""
    return _safe(
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>'
    )


OPTION = f"{WIDGETS}select_option.html"
FAST: dict[str, Callable[[dict], SafeString]] = {
    **{f"{WIDGETS}{name}.html": _input for name in INPUTS},
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}textarea.html": _textarea,
}


class WidgetRenderer(DjangoTemplates):
    """Django's template renderer, with the common widgets drawn in Python (same HTML)."""

    def render(self, template_name, context, request=None):
        fast = FAST.get(template_name)
        widget = context.get("widget") if fast is not None else None
        # Only a widget drawn with Django's own template: a project template of the same name would win.
        if fast is not None and isinstance(widget, dict) and widget.get("template_name") == template_name:
            options = [option for _name, group, _index in widget.get("optgroups", ()) for option in group]
            if all(option.get("template_name") == OPTION for option in options):
                return fast(widget)
        return super().render(template_name, context, request)
