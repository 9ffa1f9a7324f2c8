"""The review queue's decision fields, written in Python: a queue page shows dozens of these forms, and
rendering each field through template variables (or Django's widget templates before that) was most of
the page's time. The HTML is the one ``_decision_fields.html`` wrote, field for field."""

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Fixed attribute texts, written here and never taken from input: safe to put into the HTML as they are.
CHECKED, SELECTED, INVALID, NOTHING = map(mark_safe, (" checked", " selected", ' aria-invalid="true"', ""))


def _errors(field) -> SafeString:
    return format_html_join("", '<span class="error" role="alert">{}</span>', ((e,) for e in field.errors))


def _invalid(field) -> SafeString:
    return INVALID if field.errors else NOTHING


def _has_error(field) -> str:
    return " has-error" if field.errors else ""


def _chosen(field) -> str:
    value = field.value()
    return "" if value is None else str(value)


def _decision(d) -> SafeString:
    chosen, auto_id, invalid = _chosen(d), d.auto_id, _invalid(d)
    radios = format_html_join(
        "",
        '<div><label for="{0}_{1}"><input type="radio" name="{2}" value="{3}" required id="{0}_{1}"{4}{5}>'
        " {6}</label></div>",
        (
            (
                auto_id,
                n,
                d.html_name,
                value,
                CHECKED if chosen == str(value) else NOTHING,
                invalid,
                text,
            )
            for n, (value, text) in enumerate(d.field.choices)
        ),
    )
    return format_html(
        '<div class="field{}">\n  <label>{}</label>\n  <div id="{}">{}</div>\n  {}\n</div>\n',
        _has_error(d), d.label, auto_id, radios, _errors(d),
    )  # fmt: skip


def _justification(j) -> SafeString:
    value = j.value()
    return format_html(
        '<div class="field{0}">\n  <label for="{1}">{2}</label>\n  <textarea name="{3}" cols="40" rows="2" '
        'aria-describedby="{1}_helptext" id="{1}"{4}>\n{5}</textarea>\n  {6}\n'
        '  <div class="help small muted" id="{1}_helptext">{7}</div>\n</div>\n',
        _has_error(j), j.auto_id, j.label, j.html_name, _invalid(j),
        "" if value is None else value, _errors(j), j.help_text,
    )  # fmt: skip


def _downgrade(g) -> SafeString:
    chosen = _chosen(g)
    options = format_html_join(
        "",
        '\n      <option value="{}"{}>{}</option>',
        ((value, SELECTED if chosen == str(value) else NOTHING, text) for value, text in g.field.choices),
    )
    return format_html(
        '  <div class="field{0}">\n    <label for="{1}">{2}</label>\n    <select name="{3}" id="{1}"{4}>{5}\n'
        "    </select>\n    {6}\n  </div>\n",
        _has_error(g), g.auto_id, g.label, g.html_name, _invalid(g), options, _errors(g),
    )  # fmt: skip


def _keep_until(k) -> SafeString:
    value = k.value()
    shown = ""
    if value:
        # A date is written as the date input wants it; what a person typed (refused) is given back as is.
        shown = (date_format(value, "Y-m-d") if hasattr(value, "year") else "") or str(value)
    return format_html(
        '  <div class="field{0}">\n    <label for="{1}">{2}</label>\n'
        '    <input type="date" name="{3}" id="{1}"{4}{5}>\n    {6}\n  </div>\n',
        _has_error(k), k.auto_id, k.label, k.html_name,
        format_html(' value="{}"', shown) if value else "", _invalid(k), _errors(k),
    )  # fmt: skip


@register.simple_tag
def decision_fields(form) -> SafeString:
    """The decision form's fields: decision and justification always; downgrade and date folded away
    unless wanted (chosen, or refused)."""
    d, j, g, k = form["decision"], form["justification"], form["downgrade_to"], form["keep_until"]
    non_field = form.non_field_errors()
    head = (
        format_html(
            '<div class="form-errors" role="alert">{}</div>\n',
            format_html_join("", "<p>{}</p>", ((e,) for e in non_field)),
        )
        if non_field
        else ""
    )
    opened = " open" if (g.errors or k.errors or g.value() or k.value()) else ""
    return format_html(
        '{}{}{}<details class="more-options"{}>\n  <summary class="small">Downgrade to another role, or keep '
        "until a date</summary>\n{}{}</details>\n",
        head, _decision(d), _justification(j), opened, _downgrade(g), _keep_until(k),
    )  # fmt: skip
