"""Forms of the risk matrix pages: the list filter, the matrix as text fields, the activation confirmation.

A matrix is typed as plain text, one entry a line, so any size works without scripts: scales as
"Label | description" (lowest first), levels as "Name | #rrggbb | review days" (lowest first), the grid as
drawn (first line = highest likelihood), level names separated by "|". The rules live in
``risk.services.matrices.validate_matrix``; the form parses the text and shows its messages by the field.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dpms.forms import add_service_errors
from risk.models import RiskMatrix
from risk.services.matrices import validate_matrix

TEXTAREA = {"rows": 6, "class": "mono", "spellcheck": "false"}


class MatrixFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=120, label=_("Search"), widget=forms.SearchInput())
    status = forms.ChoiceField(
        required=False,
        choices=[("", _("Any")), ("active", _("Active")), ("inactive", _("Not active"))],
        label=_("Status"),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("name", _("Name")),
            ("-name", _("Name, Z to A")),
            ("-created", _("Newest first")),
            ("created", _("Oldest first")),
            ("-risks", _("Most risks")),
        ],
        label=_("Sort"),
    )


def _lines(text: str) -> list[tuple[int, str]]:
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _parse_scale(text: str) -> list[dict]:
    entries = []
    for _number, line in _lines(text):
        label, _bar, description = line.partition("|")
        entries.append({"label": label.strip(), "description": description.strip()})
    return entries


def _parse_levels(text: str) -> list[dict]:
    levels, problems = [], []
    for number, line in _lines(text):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 3:
            problems.append(
                gettext("Line %(number)s: write “Name | #rrggbb | review days”.") % {"number": number}
            )
            continue
        name, colour, days = parts
        if not days.isdigit():
            problems.append(
                gettext("Line %(number)s: the review interval “%(days)s” is not a whole number of days.")
                % {"number": number, "days": days}
            )
            continue
        levels.append({"name": name, "colour": colour, "review_days": int(days)})
    if problems:
        raise ValidationError(problems)
    return levels


def _parse_cells(text: str, levels: list[dict], likelihood_count: int) -> list[list]:
    """Rows as drawn (highest likelihood first) → stored rows (lowest first) of level indices."""
    index = {level["name"].strip().lower(): position for position, level in enumerate(levels)}
    rows, problems = [], []
    for number, line in _lines(text):
        row = []
        for column, name in enumerate((part.strip() for part in line.split("|")), start=1):
            if not name:
                row.append(None)  # validate_matrix names the cell that has no level
            elif name.lower() in index:
                row.append(index[name.lower()])
            else:
                problems.append(
                    gettext("Line %(number)s, cell %(column)s: “%(name)s” is not one of the levels.")
                    % {"number": number, "column": column, "name": name}
                )
                row.append(None)
        rows.append(row)
    if problems:
        raise ValidationError(problems)
    return list(reversed(rows))


def matrix_initial(matrix: RiskMatrix) -> dict:
    """A matrix written the way the form reads it (to edit it, or to start a new one from it)."""
    names = [level["name"] for level in matrix.levels]
    return {
        "name": matrix.name,
        "description": matrix.description,
        "likelihood_scale": "\n".join(f"{e['label']} | {e['description']}" for e in matrix.likelihood_scale),
        "impact_scale": "\n".join(f"{e['label']} | {e['description']}" for e in matrix.impact_scale),
        "levels": "\n".join(f"{lv['name']} | {lv['colour']} | {lv['review_days']}" for lv in matrix.levels),
        "cells": "\n".join(" | ".join(names[cell] for cell in row) for row in reversed(matrix.cells)),
        "appetite": names[matrix.appetite],
    }


class MatrixForm(forms.Form):
    """Create or edit a matrix; ``cleaned_data["matrix"]`` holds the parsed, validated fields."""

    name = forms.CharField(max_length=120, label=_("Name"))
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Description")
    )
    likelihood_scale = forms.CharField(
        label=_("Likelihood scale"),
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("One per line, lowest first: <code>Label | description</code>."),
    )
    impact_scale = forms.CharField(
        label=_("Impact scale"),
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("One per line, lowest first: <code>Label | description</code>."),
    )
    levels = forms.CharField(
        label=_("Levels"),
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_(
            "One per line, lowest first: <code>Name | #rrggbb | review days</code>, "
            "e.g. <code>High | #ef6c00 | 90</code>."
        ),
    )
    cells = forms.CharField(
        label=_("Grid"),
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_(
            "As drawn: the first line is the <strong>highest</strong> likelihood, each line lists the "
            "level of every impact from the lowest, separated by <code>|</code>."
        ),
    )
    appetite = forms.CharField(
        max_length=120,
        label=_("Appetite"),
        help_text=_("The highest acceptable level (its name); risks above it need treatment."),
    )

    def clean_levels(self):
        return _parse_levels(self.cleaned_data["levels"])

    def clean(self):
        data = super().clean()
        if any(field in self.errors for field in ("likelihood_scale", "impact_scale", "levels", "cells")):
            return data
        likelihood_scale = _parse_scale(data["likelihood_scale"])
        levels = data["levels"]
        try:
            cells = _parse_cells(data["cells"], levels, len(likelihood_scale))
        except ValidationError as error:
            self.add_error("cells", error)
            return data
        names = [level["name"].strip().lower() for level in levels]
        appetite_name = (data.get("appetite") or "").strip().lower()
        appetite = names.index(appetite_name) if appetite_name in names else None
        fields = {
            "likelihood_scale": likelihood_scale,
            "impact_scale": _parse_scale(data["impact_scale"]),
            "levels": levels,
            "cells": cells,
            "appetite": appetite,
        }
        try:
            validate_matrix(**fields)
        except ValidationError as error:
            if appetite is None and "appetite" in error.error_dict:
                # The rule counts levels; the person typed a name, so say which name was not found.
                error.error_dict["appetite"] = [
                    ValidationError(
                        gettext("“%(name)s” is not one of the levels.") % {"name": data.get("appetite", "")}
                    )
                ]
            add_service_errors(self, error)
            return data
        data["matrix"] = fields
        return data


class ActivateForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I have checked the re-mapping above: re-score every risk and make this matrix the active one."
        )
    )
