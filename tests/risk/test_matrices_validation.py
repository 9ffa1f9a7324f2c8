"""Invalid matrices are refused, each problem named: by the service and by the form."""

import pytest
from django.core.exceptions import ValidationError

from risk.forms.matrices import MatrixForm, matrix_initial
from risk.models import RiskMatrix
from risk.queries.matrices import THREE, preset
from risk.services.matrices import validate_matrix


def three():
    fields = preset(THREE)
    return {
        name: fields[name] for name in ("likelihood_scale", "impact_scale", "levels", "cells", "appetite")
    }


def problems(**changes) -> dict:
    with pytest.raises(ValidationError) as caught:
        validate_matrix(**{**three(), **changes})
    return {field: " ".join(messages) for field, messages in caught.value.message_dict.items()}


def test_a_cell_without_a_level_is_named():
    cells = [[0, 0, 1], [0, None, 2], [1, 2, 2]]
    assert problems(cells=cells)["cells"] == "The cell (likelihood “Medium”, impact “Medium”) has no level."


def test_a_cell_naming_no_known_level_is_refused():
    cells = [[0, 0, 1], [0, 1, 2], [1, 2, 7]]
    assert "(likelihood “High”, impact “High”) names no known level" in problems(cells=cells)["cells"]


def test_a_level_that_decreases_as_likelihood_rises_is_refused():
    cells = [[0, 0, 2], [0, 1, 1], [1, 2, 2]]
    message = problems(cells=cells)["cells"]
    assert "(likelihood “Medium”, impact “High”) is “Medium”, lower than “High”" in message
    assert "must never decrease as likelihood increases" in message


def test_levels_listed_out_of_order_are_refused_as_non_monotonic():
    # The grid by level names, but the levels listed highest first: indices fall as risk rises.
    form = MatrixForm(
        data=_form_data(levels="High | #b71c1c | 90\nMedium | #f9a825 | 180\nLow | #2e7d32 | 365")
    )
    assert not form.is_valid()
    assert "are the levels listed lowest first?" in " ".join(form.errors["cells"])


def test_an_unused_level_is_a_gap():
    fields = three()
    levels = [
        *fields["levels"][:1],
        {"name": "Guarded", "colour": "#7cb342", "review_days": 365},
        *fields["levels"][1:],
    ]
    cells = [[0, 0, 2], [0, 2, 3], [2, 3, 3]]
    message = problems(levels=levels, cells=cells)["cells"]
    assert "The level “Guarded” is used by no cell" in message


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([[0, 0, 1], [0, 1, 2]], "The grid needs one row per likelihood (3), not 2."),
        (
            [[0, 0, 1], [0, 1], [1, 2, 2]],
            "The row for likelihood “Medium” needs one cell per impact (3), not 2.",
        ),
    ],
)
def test_a_grid_of_the_wrong_size_is_refused(cells, expected):
    assert problems(cells=cells)["cells"] == expected


@pytest.mark.parametrize("appetite", [-1, 3, None])
def test_an_appetite_outside_the_levels_is_refused(appetite):
    assert problems(appetite=appetite)["appetite"] == "The appetite must be one of the 3 levels."


def test_levels_need_unique_names_and_colours():
    levels = [
        {"name": "Low", "colour": "green", "review_days": 365},
        {"name": "low", "colour": "#f9a825", "review_days": 180},
        {"name": "", "colour": "#b71c1c", "review_days": 0},
    ]
    message = problems(levels=levels)["levels"]
    assert "Level “Low” needs a colour written as #rrggbb, not “green”." in message
    assert "The level name “low” appears twice" in message
    assert "Level 3 has no name." in message
    assert "Level 3 needs a review interval of at least one day." in message


def test_scales_need_entries_with_labels():
    result = problems(likelihood_scale=[], impact_scale=[{"label": " ", "description": "x"}])
    assert result["likelihood_scale"] == "The likelihood scale needs at least one entry."
    assert result["impact_scale"] == "Impact 1 has no label."


def _form_data(**changes):
    data = matrix_initial(RiskMatrix(name="Mine", **three()))
    return {**data, **changes}


def test_the_form_reads_a_grid_drawn_highest_likelihood_first():
    form = MatrixForm(data=_form_data())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["matrix"]["cells"] == preset(THREE)["cells"]
    assert form.cleaned_data["matrix"]["appetite"] == 1


def test_the_form_names_an_unknown_level_in_the_grid_and_an_unknown_appetite():
    form = MatrixForm(data=_form_data(cells="Medium | High | High\nLow | Medium | Hgh\nLow | Low | Medium"))
    assert not form.is_valid()
    assert form.errors["cells"] == ["Line 2, cell 3: “Hgh” is not one of the levels."]
    form = MatrixForm(data=_form_data(appetite="Extreme"))
    assert not form.is_valid()
    assert form.errors["appetite"] == ["“Extreme” is not one of the levels."]


def test_the_form_shows_the_service_messages_by_field():
    form = MatrixForm(data=_form_data(cells="Medium | High | High\nLow | Medium | Low\nLow | Low | Medium"))
    assert not form.is_valid()
    assert "must never decrease" in " ".join(form.errors["cells"])


def test_the_form_refuses_a_level_line_without_three_parts():
    form = MatrixForm(data=_form_data(levels="Low | #2e7d32\nMedium | #f9a825 | soon\nHigh | #b71c1c | 90"))
    assert not form.is_valid()
    assert form.errors["levels"] == [
        "Line 1: write “Name | #rrggbb | review days”.",
        "Line 2: the review interval “soon” is not a whole number of days.",
    ]
