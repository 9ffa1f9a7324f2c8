"""Reads of the risk matrices: who may read and manage them, the list, the grid as drawn, the preview of
an activation (every risk's scores re-mapped onto the new matrix, computed but not written), and the
matrices DPMS ships (the presets).

Matrices are the register's rules, not anyone's data: security officers manage them, auditors and admins
(who approve acceptances above appetite) read them, other staff get a 403.

The presets are NIST SP 800-30 Rev. 1 (5×5), an ISO/IEC 27005-style 5×5, and a 3×3. Every preset follows
the conventions of ``risk.models.RiskMatrix``: scales and levels are stored lowest first (index 0 = very
low likelihood / impact / level), ``cells[likelihood][impact]`` is a level index and ``appetite`` is the
index of the highest acceptable level. ``risk.services.matrices.install_presets`` creates them, for the
data migration ``risk/migrations/0004_matrix_presets.py`` and for ``seed_demo`` alike.

Review intervals per level follow the register's policy: high and very high 90 days, moderate 180, low and
very low 365. Colours are chosen so the level name is readable on them, in white or in the page's dark text
(contrast of at least 4.5:1, WCAG AA; ``text_on`` picks which).
"""

from copy import deepcopy
from fractions import Fraction

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from risk.models import Risk, RiskMatrix

SCORE_FIELDS = (
    ("inherent_likelihood", "likelihood"),
    ("inherent_impact", "impact"),
    ("current_likelihood", "likelihood"),
    ("current_impact", "impact"),
    ("target_likelihood", "likelihood"),
    ("target_impact", "impact"),
)
MINI_CELL = 12  # px per cell of the small preview drawn in the list, one of them a white gap

MATRIX_SORTS = {
    "name": ("name",),
    "-name": ("-name",),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "risks": ("risk_count", "name"),
    "-risks": ("-risk_count", "name"),
}


def can_read_matrices(user) -> bool:
    return user.is_active and (user.is_security_officer or user.is_auditor or user.is_admin)


def can_manage_matrices(user) -> bool:
    """Security officers create, edit and activate matrices; auditors and admins only read."""
    return user.is_active and user.is_security_officer


def get_matrix_for_user(user, pk, *, for_change: bool = False) -> RiskMatrix:
    """A matrix ``user`` may read (403 otherwise, 404 when there is none); ``for_change``: manage too."""
    if not (can_manage_matrices(user) if for_change else can_read_matrices(user)):
        raise PermissionDenied("Only security officers manage risk matrices; auditors and admins read them.")
    return get_object_or_404(RiskMatrix.objects.annotate(risk_count=Count("risks")), pk=pk)


def require_reader(user) -> None:
    if not can_read_matrices(user):
        raise PermissionDenied("Only security officers, auditors and admins see the risk matrices.")


def require_manager(user) -> None:
    if not can_manage_matrices(user):
        raise PermissionDenied("Only security officers manage risk matrices.")


def matrices_for_list(*, q: str = "", status: str = "", sort: str = ""):
    """Matrices with how many risks are scored on each (one query), filtered and sorted."""
    matrices = RiskMatrix.objects.annotate(risk_count=Count("risks"))
    if q:
        matrices = matrices.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if status == "active":
        matrices = matrices.filter(is_active=True)
    elif status == "inactive":
        matrices = matrices.filter(is_active=False)
    return matrices.order_by(*MATRIX_SORTS.get(sort or "name", MATRIX_SORTS["name"]))


def grid(matrix: RiskMatrix) -> dict:
    """The matrix as drawn: rows from the highest likelihood down, columns from the lowest impact, each
    cell with its level's name, colour, readable text colour and whether it is above appetite."""
    levels = [
        {
            **level,
            "index": index,
            "text": text_on(level["colour"]),
            "dark_text": text_on(level["colour"]) != "#ffffff",
            "above_appetite": index > matrix.appetite,
            "is_appetite": index == matrix.appetite,
        }
        for index, level in enumerate(matrix.levels)
    ]
    size = len(matrix.likelihood_scale)
    rows = [
        {
            "likelihood": matrix.likelihood_scale[l_index],
            "l_index": l_index,
            "cells": [
                {
                    **levels[level],
                    "i_index": i_index,
                    "impact": matrix.impact_scale[i_index],
                    "x": i_index * MINI_CELL,
                    "y": (size - 1 - l_index) * MINI_CELL,
                }
                for i_index, level in enumerate(matrix.cells[l_index])
            ],
        }
        for l_index in reversed(range(size))
    ]
    return {
        "rows": rows,
        "levels": levels,
        "impacts": matrix.impact_scale,
        "width": len(matrix.impact_scale) * MINI_CELL,
        "height": size * MINI_CELL,
        "mini_cell": MINI_CELL - 1,
    }


# --- Re-mapping scores onto another matrix ---------------------------------------------------------------


def remap_index(value, *, old_size: int, new_size: int):
    """A score's index on a scale of ``new_size`` at the same relative position as on ``old_size``.

    new = round(old × (new_size − 1) / (old_size − 1)); ties round up, so a re-mapped risk never looks
    smaller than it was (5 → 3: 0 1 2 3 4 → 0 1 1 2 2; 3 → 5: 0 1 2 → 0 2 4). None stays None (unscored).
    """
    if value is None:
        return None
    if old_size <= 1 or new_size <= 1:
        return 0
    position = Fraction(value * (new_size - 1), old_size - 1)
    return min(int(position + Fraction(1, 2)), new_size - 1)


def remap_scores(scores: dict, *, old: RiskMatrix, new: RiskMatrix) -> dict:
    """All six score fields of a risk, re-mapped from ``old``'s scales to ``new``'s."""
    sizes = {
        "likelihood": (len(old.likelihood_scale), len(new.likelihood_scale)),
        "impact": (len(old.impact_scale), len(new.impact_scale)),
    }
    return {
        field: remap_index(scores[field], old_size=sizes[axis][0], new_size=sizes[axis][1])
        for field, axis in SCORE_FIELDS
    }


def level_changes(scores: dict, remapped: dict, *, old: RiskMatrix, new: RiskMatrix) -> dict:
    """For inherent, current and target: the level before and after, and whether it changed.

    A level "changes" when its name differs (case aside) or when it crosses the appetite line.
    """
    result = {}
    for kind in ("inherent", "current", "target"):
        before = old.level(scores[f"{kind}_likelihood"], scores[f"{kind}_impact"])
        after = new.level(remapped[f"{kind}_likelihood"], remapped[f"{kind}_impact"])
        if before is None or after is None:
            changed = (before is None) != (after is None)
        else:
            changed = (
                before["name"].lower() != after["name"].lower()
                or before["above_appetite"] != after["above_appetite"]
            )
        result[kind] = {"before": before, "after": after, "changed": changed}
    return result


def activation_preview(matrix: RiskMatrix) -> dict:
    """What activating ``matrix`` would do to every risk (nothing is written): one query for the risks,
    one for the matrices they are scored on. Rows list the risks whose level changes first."""
    matrices = {m.pk: m for m in RiskMatrix.objects.all()}
    fields = [field for field, _axis in SCORE_FIELDS]
    risks = Risk.objects.order_by("reference").values("pk", "reference", "title", "matrix_id", *fields)
    rows = []
    counts = {
        "risks": 0,
        "level_changed": 0,
        "inherent_changed": 0,
        "current_changed": 0,
        "target_changed": 0,
    }
    for risk in risks:
        old = matrices[risk["matrix_id"]]
        scores = {field: risk[field] for field in fields}
        remapped = remap_scores(scores, old=old, new=matrix)
        changes = level_changes(scores, remapped, old=old, new=matrix)
        changed = any(change["changed"] for change in changes.values())
        counts["risks"] += 1
        counts["level_changed"] += changed
        for kind, change in changes.items():
            counts[f"{kind}_changed"] += change["changed"]
        rows.append({**risk, "changes": changes, "changed": changed})
    rows.sort(key=lambda row: not row["changed"])  # stable: changed first, each group by reference
    active = next((m for m in matrices.values() if m.is_active), None)
    return {"rows": rows, "counts": counts, "active": active}


# --- The presets -----------------------------------------------------------------------------------------

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
