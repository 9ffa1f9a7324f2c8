"""The risk matrices DPMS ships: NIST SP 800-30 Rev. 1 (5×5), an ISO/IEC 27005-style 5×5, and a 3×3.

Every preset follows the conventions of ``risk.models.RiskMatrix``: scales and levels are stored lowest
first (index 0 = very low likelihood / impact / level), ``cells[likelihood][impact]`` is a level index and
``appetite`` is the index of the highest acceptable level. ``install_presets`` is used by the data migration
``risk/migrations/0004_matrix_presets.py`` and by ``seed_demo`` alike; it never overwrites a matrix.

Review intervals per level follow the register's policy: high and very high 90 days, moderate 180, low and
very low 365. Colours are chosen so the level name is readable on them, in white or in the page's dark text
(contrast of at least 4.5:1, WCAG AA; ``text_on`` picks which).
"""

from copy import deepcopy

NIST = "nist-800-30"
ISO = "iso-27005"
THREE = "three-by-three"
DEFAULT_ACTIVE = NIST

DARK_TEXT = "#1b1f24"  # --fg in static/css/dpms.css
WHITE = "#ffffff"

# --- NIST SP 800-30 Rev. 1 (September 2012) ----------------------------------------------------------------
# Scale descriptions are short renderings of the qualitative values in Appendix G, Table G-2 (likelihood of
# threat event initiation, adversarial) and Table G-3 (likelihood of threat event occurrence,
# non-adversarial), and Appendix H, Table H-3 (impact of threat events); level names from Table I-3.
NIST_LIKELIHOOD = [
    {
        "label": "Very Low",
        "description": "Adversary highly unlikely to initiate the threat event; error, accident or act of "
        "nature highly unlikely to occur, or occurs less than once every 10 years.",
    },
    {
        "label": "Low",
        "description": "Adversary unlikely to initiate the threat event; error, accident or act of nature "
        "unlikely to occur, or occurs less than once a year but more than once every 10 years.",
    },
    {
        "label": "Moderate",
        "description": "Adversary somewhat likely to initiate the threat event; error, accident or act of "
        "nature somewhat likely to occur, or occurs between 1 and 10 times a year.",
    },
    {
        "label": "High",
        "description": "Adversary highly likely to initiate the threat event; error, accident or act of "
        "nature highly likely to occur, or occurs between 10 and 100 times a year.",
    },
    {
        "label": "Very High",
        "description": "Adversary almost certain to initiate the threat event; error, accident or act of "
        "nature almost certain to occur, or occurs more than 100 times a year.",
    },
]
_EFFECT = "adverse effect on organizational operations, organizational assets, individuals, other "
_EFFECT += "organizations, or the Nation."
NIST_IMPACT = [
    {
        "label": "Very Low",
        "description": f"The threat event could be expected to have a negligible {_EFFECT}",
    },
    {"label": "Low", "description": f"The threat event could be expected to have a limited {_EFFECT}"},
    {"label": "Moderate", "description": f"The threat event could be expected to have a serious {_EFFECT}"},
    {
        "label": "High",
        "description": f"The threat event could be expected to have a severe or catastrophic {_EFFECT}",
    },
    {
        "label": "Very High",
        "description": "The threat event could be expected to have multiple severe or catastrophic "
        + _EFFECT.replace("adverse effect", "adverse effects"),
    },
]
NIST_LEVELS = [
    {"name": "Very Low", "colour": "#2e7d32", "review_days": 365},
    {"name": "Low", "colour": "#7cb342", "review_days": 365},
    {"name": "Moderate", "colour": "#f9a825", "review_days": 180},
    {"name": "High", "colour": "#ef6c00", "review_days": 90},
    {"name": "Very High", "colour": "#b71c1c", "review_days": 90},
]
VL, L, M, H, VH = range(5)
# Appendix I, Table I-2 "Assessment scale – level of risk (combination of likelihood and impact)", exactly as
# published. The publication prints the highest likelihood first; rows here are lowest first (our
# convention), columns are the level of impact Very Low .. Very High:
#   likelihood Very High: Very Low, Low,      Moderate, High,     Very High
#   likelihood High:      Very Low, Low,      Moderate, High,     Very High
#   likelihood Moderate:  Very Low, Low,      Moderate, Moderate, High
#   likelihood Low:       Very Low, Low,      Low,      Low,      Moderate
#   likelihood Very Low:  Very Low, Very Low, Very Low, Low,      Low
NIST_CELLS = [
    [VL, VL, VL, L, L],  # Very Low likelihood
    [VL, L, L, L, M],  # Low
    [VL, L, M, M, H],  # Moderate
    [VL, L, M, H, VH],  # High
    [VL, L, M, H, VH],  # Very High
]

# --- ISO/IEC 27005 style -----------------------------------------------------------------------------------
# ISO/IEC 27005 leaves the scales to the organisation; this is the common 5×5 it illustrates: the level
# follows the product of the two ranks (1-4 low, 5-9 medium, 10-16 high, 20-25 very high).
ISO_LIKELIHOOD = [
    {
        "label": "Rare",
        "description": "May occur only in exceptional circumstances; less than once in 10 years.",
    },
    {"label": "Unlikely", "description": "Could occur at some time; once in 3 to 10 years."},
    {"label": "Possible", "description": "Might occur; about once in 1 to 3 years."},
    {"label": "Likely", "description": "Will probably occur; several times a year."},
    {"label": "Almost certain", "description": "Expected to occur; monthly or more often."},
]
ISO_CONSEQUENCE = [
    {"label": "Insignificant", "description": "No noticeable effect on operations, people or obligations."},
    {"label": "Minor", "description": "Limited, short disruption; few records; handled within the team."},
    {"label": "Moderate", "description": "Noticeable disruption or data exposure; management attention."},
    {
        "label": "Major",
        "description": "Serious disruption, breach notifiable to an authority, legal exposure.",
    },
    {"label": "Severe", "description": "Critical services lost, large breach, threat to the organisation."},
]
ISO_LEVELS = [
    {"name": "Low", "colour": "#2e7d32", "review_days": 365},
    {"name": "Medium", "colour": "#f9a825", "review_days": 180},
    {"name": "High", "colour": "#ef6c00", "review_days": 90},
    {"name": "Very high", "colour": "#b71c1c", "review_days": 90},
]
ISO_CELLS = [
    [0, 0, 0, 0, 1],  # Rare
    [0, 0, 1, 1, 2],  # Unlikely
    [0, 1, 1, 2, 2],  # Possible
    [0, 1, 2, 2, 3],  # Likely
    [1, 2, 2, 3, 3],  # Almost certain
]

# --- 3×3 ------------------------------------------------------------------------------------------------
THREE_LIKELIHOOD = [
    {"label": "Low", "description": "Not expected; less than once in several years."},
    {"label": "Medium", "description": "Could happen; about once a year."},
    {"label": "High", "description": "Expected; several times a year."},
]
THREE_IMPACT = [
    {"label": "Low", "description": "Little effect; handled in normal operations."},
    {"label": "Medium", "description": "Noticeable disruption, damage or data exposure."},
    {"label": "High", "description": "Serious harm to people, operations or legal standing."},
]
THREE_LEVELS = [
    {"name": "Low", "colour": "#2e7d32", "review_days": 365},
    {"name": "Medium", "colour": "#f9a825", "review_days": 180},
    {"name": "High", "colour": "#b71c1c", "review_days": 90},
]
THREE_CELLS = [
    [0, 0, 1],  # Low likelihood
    [0, 1, 2],  # Medium
    [1, 2, 2],  # High
]

PRESETS = {
    NIST: {
        "name": "NIST SP 800-30 Rev. 1 (5×5)",
        "description": "Likelihood × impact per NIST SP 800-30 Rev. 1, Appendix I, Table I-2, as published.",
        "likelihood_scale": NIST_LIKELIHOOD,
        "impact_scale": NIST_IMPACT,
        "levels": NIST_LEVELS,
        "cells": NIST_CELLS,
        "appetite": M,
    },
    ISO: {
        "name": "ISO/IEC 27005 style (5×5)",
        "description": "Likelihood × consequence in the style of ISO/IEC 27005; level by product of ranks.",
        "likelihood_scale": ISO_LIKELIHOOD,
        "impact_scale": ISO_CONSEQUENCE,
        "levels": ISO_LEVELS,
        "cells": ISO_CELLS,
        "appetite": 1,
    },
    THREE: {
        "name": "Simple 3×3",
        "description": "Low, medium, high likelihood and impact, for small organisations.",
        "likelihood_scale": THREE_LIKELIHOOD,
        "impact_scale": THREE_IMPACT,
        "levels": THREE_LEVELS,
        "cells": THREE_CELLS,
        "appetite": 1,
    },
}


def preset(key: str) -> dict:
    """A fresh copy of a preset's fields (safe to change)."""
    return deepcopy(PRESETS[key])


def install_presets(matrix_model) -> list:
    """Create the presets that are missing (by name) and activate NIST SP 800-30 when nothing is active.

    Takes the model class so the data migration can pass its historical model. Returns the created rows.
    """
    created = []
    for key in PRESETS:
        fields = preset(key)
        if not matrix_model.objects.filter(name=fields["name"]).exists():
            created.append(matrix_model.objects.create(preset=key, **fields))
    if not matrix_model.objects.filter(is_active=True).exists():
        matrix_model.objects.filter(name=PRESETS[DEFAULT_ACTIVE]["name"]).update(is_active=True)
    return created


# --- Colours ---------------------------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    red, green, blue = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(colour: str) -> str:
    """The text colour (white or the page's dark text) that reads best on ``colour``."""
    return WHITE if contrast(colour, WHITE) >= contrast(colour, DARK_TEXT) else DARK_TEXT
