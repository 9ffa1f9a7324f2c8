"""The shipped matrices: NIST SP 800-30 Rev. 1 reproduced cell by cell, every preset valid and monotonic."""

import pytest

from risk.models import RiskMatrix
from risk.queries.matrices import DARK_TEXT, ISO, NIST, PRESETS, THREE, WHITE, contrast, preset
from risk.services.matrices import install_presets, validate_matrix

# NIST SP 800-30 Rev. 1, Appendix I, Table I-2, as printed (likelihood from Very High down; impact Very Low
# to Very High). Written out independently of the presets in risk.queries.matrices so a slip in either shows.
NIST_TABLE_I2 = {
    "Very High": ["Very Low", "Low", "Moderate", "High", "Very High"],
    "High": ["Very Low", "Low", "Moderate", "High", "Very High"],
    "Moderate": ["Very Low", "Low", "Moderate", "Moderate", "High"],
    "Low": ["Very Low", "Low", "Low", "Low", "Moderate"],
    "Very Low": ["Very Low", "Very Low", "Very Low", "Low", "Low"],
}
IMPACTS = ["Very Low", "Low", "Moderate", "High", "Very High"]


def _nist_cells():
    return [
        (likelihood, impact, expected)
        for likelihood, row in NIST_TABLE_I2.items()
        for impact, expected in zip(IMPACTS, row, strict=True)
    ]


@pytest.mark.parametrize(("likelihood", "impact", "expected"), _nist_cells())
def test_nist_preset_reproduces_table_i2_cell_by_cell(likelihood, impact, expected):
    nist = preset(NIST)
    l_index = [entry["label"] for entry in nist["likelihood_scale"]].index(likelihood)
    i_index = [entry["label"] for entry in nist["impact_scale"]].index(impact)
    assert nist["levels"][nist["cells"][l_index][i_index]]["name"] == expected


def test_nist_scales_and_levels_are_stored_lowest_first():
    nist = preset(NIST)
    labels = ["Very Low", "Low", "Moderate", "High", "Very High"]
    assert [entry["label"] for entry in nist["likelihood_scale"]] == labels
    assert [entry["label"] for entry in nist["impact_scale"]] == labels
    assert [level["name"] for level in nist["levels"]] == labels
    assert "almost certain" in nist["likelihood_scale"][-1]["description"]
    assert "more than 100 times a year" in nist["likelihood_scale"][-1]["description"]
    assert "negligible" in nist["impact_scale"][0]["description"]


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_is_valid(key):
    fields = preset(key)
    validate_matrix(
        **{name: fields[name] for name in ("likelihood_scale", "impact_scale", "levels", "cells", "appetite")}
    )


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_is_monotonic_and_uses_every_level(key):
    cells = preset(key)["cells"]
    for l_index, row in enumerate(cells):
        for i_index, level in enumerate(row):
            if l_index:
                assert level >= cells[l_index - 1][i_index], (key, l_index, i_index)
            if i_index:
                assert level >= row[i_index - 1], (key, l_index, i_index)
    assert {level for row in cells for level in row} == set(range(len(preset(key)["levels"])))


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_level_is_readable_in_white_or_dark_text(key):
    for level in preset(key)["levels"]:
        assert max(contrast(level["colour"], WHITE), contrast(level["colour"], DARK_TEXT)) >= 4.5, level


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (NIST, {"Very Low": 365, "Low": 365, "Moderate": 180, "High": 90, "Very High": 90}),
        (ISO, {"Low": 365, "Medium": 180, "High": 90, "Very high": 90}),
        (THREE, {"Low": 365, "Medium": 180, "High": 90}),
    ],
)
def test_preset_review_intervals_follow_the_policy(key, expected):
    assert {level["name"]: level["review_days"] for level in preset(key)["levels"]} == expected


def test_the_iso_and_three_by_three_presets_have_their_sizes_and_labels():
    iso, three = preset(ISO), preset(THREE)
    assert [e["label"] for e in iso["likelihood_scale"]] == [
        "Rare",
        "Unlikely",
        "Possible",
        "Likely",
        "Almost certain",
    ]
    assert [e["label"] for e in iso["impact_scale"]][0] == "Insignificant"
    assert (len(three["likelihood_scale"]), len(three["impact_scale"]), len(three["levels"])) == (3, 3, 3)


@pytest.mark.django_db
def test_installing_presets_creates_them_once_and_activates_nist():
    created = install_presets(RiskMatrix)
    assert {matrix.preset for matrix in created} == set(PRESETS)
    assert RiskMatrix.objects.active().preset == NIST
    assert install_presets(RiskMatrix) == []
    assert RiskMatrix.objects.count() == 3


@pytest.mark.django_db
def test_installing_presets_keeps_another_active_matrix():
    from tests.risk.factories import RiskMatrixFactory

    mine = RiskMatrixFactory(is_active=True)
    install_presets(RiskMatrix)
    assert RiskMatrix.objects.active() == mine
