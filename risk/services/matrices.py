"""Risk matrices: validation, creating and editing, and activating another matrix.

Activation is the only way the active matrix changes, and it re-maps every risk's scores onto the new
matrix in the same transaction, so ``Risk.matrix`` is always the active matrix and no score ever points
outside its scale. The preview (``risk.queries.matrices.activation_preview``) shows the same re-mapping
first, computed by the same ``remap_index``. ``install_presets`` creates the matrices DPMS ships.
"""

import re
from typing import TypeGuard

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from dpms import audit
from risk.models import Risk, RiskAssessment, RiskMatrix
from risk.queries.matrices import (
    DEFAULT_ACTIVE,
    PRESETS,
    SCORE_FIELDS,
    level_changes,
    preset,
    remap_index,
    remap_scores,
)

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MATRIX_FIELDS = ("likelihood_scale", "impact_scale", "levels", "cells", "appetite")


# --- Validation ----------------------------------------------------------------------------------------


def _is_index(value) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _scale_problems(scale, kind: str) -> list[str]:
    if not isinstance(scale, list) or not scale:
        return [
            gettext("The likelihood scale needs at least one entry.")
            if kind == "likelihood"
            else gettext("The impact scale needs at least one entry.")
        ]
    problems, seen = [], set()
    for position, entry in enumerate(scale, start=1):
        label = entry.get("label", "").strip() if isinstance(entry, dict) else ""
        if not label:
            text = (
                gettext("Likelihood %(position)s has no label.")
                if kind == "likelihood"
                else gettext("Impact %(position)s has no label.")
            )
            problems.append(text % {"position": position})
        elif label.lower() in seen:
            text = (
                gettext("The likelihood label “%(label)s” appears twice.")
                if kind == "likelihood"
                else gettext("The impact label “%(label)s” appears twice.")
            )
            problems.append(text % {"label": label})
        seen.add(label.lower())
    return problems


def _level_problems(levels) -> list[str]:
    if not isinstance(levels, list) or not levels:
        return [gettext("At least one level is needed.")]
    problems, seen = [], set()
    for position, level in enumerate(levels, start=1):
        level = level if isinstance(level, dict) else {}
        name = str(level.get("name", "")).strip()
        label = (
            gettext("Level “%(name)s”") % {"name": name}
            if name
            else gettext("Level %(position)s") % {"position": position}
        )
        if not name:
            problems.append(gettext("Level %(position)s has no name.") % {"position": position})
        elif name.lower() in seen:
            problems.append(
                gettext("The level name “%(name)s” appears twice: level names must be unique.")
                % {"name": name}
            )
        seen.add(name.lower())
        if not COLOUR.match(str(level.get("colour", ""))):
            problems.append(
                gettext("%(level)s needs a colour written as #rrggbb, not “%(colour)s”.")
                % {"level": label, "colour": level.get("colour", "")}
            )
        days = level.get("review_days")
        if not _is_index(days) or days < 1:
            problems.append(
                gettext("%(level)s needs a review interval of at least one day.") % {"level": label}
            )
    return problems


def _cell_problems(cells, likelihoods, impacts, levels) -> list[str]:
    """Every cell holds a level; the grid has the scales' sizes; levels never decrease; every level used."""
    rows, columns = len(likelihoods), len(impacts)
    if not isinstance(cells, list) or len(cells) != rows:
        found = len(cells) if isinstance(cells, list) else 0
        return [
            gettext("The grid needs one row per likelihood (%(rows)s), not %(found)s.")
            % {"rows": rows, "found": found}
        ]
    problems = []
    for row, likelihood in zip(cells, likelihoods, strict=True):
        if not isinstance(row, list) or len(row) != columns:
            found = len(row) if isinstance(row, list) else 0
            problems.append(
                gettext(
                    "The row for likelihood “%(label)s” needs one cell per impact (%(columns)s), "
                    "not %(found)s."
                )
                % {"label": likelihood["label"], "columns": columns, "found": found}
            )
    if problems:
        return problems

    def where(l_index, i_index):
        return gettext("likelihood “%(likelihood)s”, impact “%(impact)s”") % {
            "likelihood": likelihoods[l_index]["label"],
            "impact": impacts[i_index]["label"],
        }

    def name(index):
        return levels[index]["name"]

    for l_index in range(rows):
        for i_index in range(columns):
            value = cells[l_index][i_index]
            if value is None:
                problems.append(
                    gettext("The cell (%(cell)s) has no level.") % {"cell": where(l_index, i_index)}
                )
            elif not _is_index(value) or not 0 <= value < len(levels):
                problems.append(
                    gettext("The cell (%(cell)s) names no known level.") % {"cell": where(l_index, i_index)}
                )
    if problems:
        return problems
    for l_index in range(rows):
        for i_index in range(columns):
            value = cells[l_index][i_index]
            for lower_l, lower_i, axis in (
                (l_index - 1, i_index, "likelihood"),
                (l_index, i_index - 1, "impact"),
            ):
                if lower_l < 0 or lower_i < 0 or cells[lower_l][lower_i] <= value:
                    continue
                text = (
                    gettext(
                        "The cell (%(cell)s) is “%(level)s”, lower than “%(lower)s” at (%(other)s): "
                        "levels must never decrease as likelihood increases "
                        "(are the levels listed lowest first?)."
                    )
                    if axis == "likelihood"
                    else gettext(
                        "The cell (%(cell)s) is “%(level)s”, lower than “%(lower)s” at (%(other)s): "
                        "levels must never decrease as impact increases "
                        "(are the levels listed lowest first?)."
                    )
                )
                problems.append(
                    text
                    % {
                        "cell": where(l_index, i_index),
                        "level": name(value),
                        "lower": name(cells[lower_l][lower_i]),
                        "other": where(lower_l, lower_i),
                    }
                )
    used = {value for row in cells for value in row}
    for index, level in enumerate(levels):
        if index not in used:
            problems.append(
                gettext(
                    "The level “%(name)s” is used by no cell: every level must appear in the grid "
                    "(remove it, or give it the cells between “%(below)s” and “%(above)s”)."
                )
                % {
                    "name": level["name"],
                    "below": name(index - 1) if index else "—",
                    "above": name(index + 1) if index + 1 < len(levels) else "—",
                }
            )
    return problems


def validate_matrix(*, likelihood_scale, impact_scale, levels, cells, appetite) -> None:
    """Refuse a matrix that cannot rate risks: raise ValidationError naming each problem, by field.

    Scales with labels; levels with unique names, #rrggbb colours and review intervals; a level in every
    cell of a grid of the scales' sizes; levels that never decrease as likelihood or impact increase
    (monotonic, which also catches levels listed out of order); every level used (no gaps); an appetite
    that is one of the levels.
    """
    errors: dict[str, list[str]] = {}
    for field, problems in (
        ("likelihood_scale", _scale_problems(likelihood_scale, "likelihood")),
        ("impact_scale", _scale_problems(impact_scale, "impact")),
        ("levels", _level_problems(levels)),
    ):
        if problems:
            errors[field] = problems
    if not errors:
        problems = _cell_problems(cells, likelihood_scale, impact_scale, levels)
        if problems:
            errors["cells"] = problems
    level_count = len(levels) if isinstance(levels, list) else 0
    if not _is_index(appetite) or not 0 <= appetite < max(level_count, 1):
        errors["appetite"] = [
            gettext("The appetite must be one of the %(count)s levels.") % {"count": level_count}
        ]
    if errors:
        raise ValidationError(errors)


def _clean_fields(fields: dict) -> dict:
    """The stored shape: stripped labels and names, lower-case colours, no stray keys."""
    return {
        "likelihood_scale": [
            {"label": entry["label"].strip(), "description": entry.get("description", "").strip()}
            for entry in fields["likelihood_scale"]
        ],
        "impact_scale": [
            {"label": entry["label"].strip(), "description": entry.get("description", "").strip()}
            for entry in fields["impact_scale"]
        ],
        "levels": [
            {
                "name": level["name"].strip(),
                "colour": level["colour"].lower(),
                "review_days": level["review_days"],
            }
            for level in fields["levels"]
        ],
        "cells": [list(row) for row in fields["cells"]],
        "appetite": fields["appetite"],
    }


# --- Create and edit -------------------------------------------------------------------------------------


def _check_name(name: str, *, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["A matrix needs a name."]})
    clash = RiskMatrix.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": [f"A matrix named “{name}” exists already."]})
    return name


@transaction.atomic
def matrix_create(
    *, actor, name: str, description: str = "", likelihood_scale, impact_scale, levels, cells, appetite: int
) -> RiskMatrix:
    """A new, inactive matrix (activate it through ``matrix_activate``)."""
    fields = {
        "likelihood_scale": likelihood_scale,
        "impact_scale": impact_scale,
        "levels": levels,
        "cells": cells,
        "appetite": appetite,
    }
    validate_matrix(**fields)
    matrix = RiskMatrix.objects.create(
        name=_check_name(name), description=description.strip(), is_active=False, **_clean_fields(fields)
    )
    audit.record(
        action="risk.matrix.create",
        actor=actor,
        obj=matrix,
        changes={"name": matrix.name, "size": f"{len(matrix.likelihood_scale)}×{len(matrix.impact_scale)}"},
    )
    return matrix


@transaction.atomic
def matrix_update(
    *,
    matrix: RiskMatrix,
    actor,
    name: str,
    description: str = "",
    likelihood_scale,
    impact_scale,
    levels,
    cells,
    appetite: int,
) -> RiskMatrix:
    """Edit a matrix. One that risks are scored on keeps its scale sizes (their scores index the scales);
    to change sizes, create a new matrix and activate it, which re-maps the scores."""
    # Lock the row: an activation running at the same time must see either the old or the new grid.
    matrix = RiskMatrix.objects.select_for_update().get(pk=matrix.pk)
    fields = {
        "likelihood_scale": likelihood_scale,
        "impact_scale": impact_scale,
        "levels": levels,
        "cells": cells,
        "appetite": appetite,
    }
    validate_matrix(**fields)
    name = _check_name(name, exclude_pk=matrix.pk)
    in_use = Risk.objects.filter(matrix=matrix).count()
    if in_use and (
        len(likelihood_scale) != len(matrix.likelihood_scale) or len(impact_scale) != len(matrix.impact_scale)
    ):
        raise ValidationError(
            f"{in_use} risk{'s are' if in_use != 1 else ' is'} scored on this matrix, so its scales keep "
            f"{len(matrix.likelihood_scale)} likelihoods and {len(matrix.impact_scale)} impacts. To change "
            "the sizes, create a new matrix and activate it."
        )
    cleaned = _clean_fields(fields)
    before = {field: getattr(matrix, field) for field in ("name", "description", *MATRIX_FIELDS)}
    after = {"name": name, "description": description.strip(), **cleaned}
    changes = audit.diff(before, after)
    if not changes:
        return matrix
    for field, value in after.items():
        setattr(matrix, field, value)
    if set(changes) & set(MATRIX_FIELDS):
        matrix.preset = ""  # It no longer reproduces the preset it came from.
    matrix.save()
    audit.record(action="risk.matrix.update", actor=actor, obj=matrix, changes=changes)
    return matrix


# --- Activation ------------------------------------------------------------------------------------------


def _remap_pair(pair, *, old: RiskMatrix, new: RiskMatrix):
    if not pair:
        return pair
    likelihood, impact = pair
    return [
        remap_index(likelihood, old_size=len(old.likelihood_scale), new_size=len(new.likelihood_scale)),
        remap_index(impact, old_size=len(old.impact_scale), new_size=len(new.impact_scale)),
    ]


def _remap_assessments(old_by_risk: dict, new: RiskMatrix) -> int:
    """Past reviews move to the new scale with their risks, so the score history reads the same way."""
    assessments = list(RiskAssessment.objects.select_for_update().filter(risk_id__in=list(old_by_risk)))
    for assessment in assessments:
        old = old_by_risk[assessment.risk_id]
        for snapshot in ("before", "after"):
            scores = getattr(assessment, snapshot) or {}
            setattr(
                assessment,
                snapshot,
                {kind: _remap_pair(pair, old=old, new=new) for kind, pair in scores.items()},
            )
        current = assessment.after.get("current")
        if current:
            assessment.current_level_index = new.level_index(*current)
    RiskAssessment.objects.bulk_update(
        assessments, ["before", "after", "current_level_index"], batch_size=500
    )
    return len(assessments)


@transaction.atomic
def matrix_activate(*, matrix: RiskMatrix, actor, confirmed: bool) -> dict:
    """Make ``matrix`` the active one: re-map every risk's scores onto it, point every risk at it,
    deactivate the old matrix. Nothing changes unless ``confirmed`` (the page shows the preview first).

    Returns the counts also written to the audit event: risks re-mapped and risks whose inherent, current
    or target level changed.
    """
    if not confirmed:
        raise ValidationError(gettext("Confirm the re-mapping shown to activate this matrix."))
    # Lock the matrices: two officers activating two matrices at once must not leave two active (the
    # constraint would refuse one half-way) or risks re-mapped onto the one that ends up inactive.
    locked = {
        m.pk: m
        for m in RiskMatrix.objects.select_for_update()
        .filter(Q(pk=matrix.pk) | Q(is_active=True))
        .order_by("pk")
    }
    new = locked.get(matrix.pk)
    if new is None:
        raise ValidationError(gettext("This matrix no longer exists."))
    if new.is_active:
        raise ValidationError(gettext("“%(name)s” is the active matrix already.") % {"name": new.name})
    validate_matrix(**{field: getattr(new, field) for field in MATRIX_FIELDS})
    old_active = next((m for m in locked.values() if m.is_active), None)

    # Lock the risks being re-mapped: an edit saved in the middle would otherwise write old-scale scores.
    risks = list(Risk.objects.select_for_update().order_by("pk"))
    matrices = {m.pk: m for m in RiskMatrix.objects.all()}  # a handful of rows, read once
    counts = {"risks": len(risks), "inherent_changed": 0, "current_changed": 0, "target_changed": 0}
    changed_any = 0
    old_by_risk = {}
    for risk in risks:
        old = old_by_risk[risk.pk] = matrices[risk.matrix_id]
        scores = {field: getattr(risk, field) for field, _axis in SCORE_FIELDS}
        remapped = remap_scores(scores, old=old, new=new)
        changes = level_changes(scores, remapped, old=old, new=new)
        for kind, change in changes.items():
            counts[f"{kind}_changed"] += change["changed"]
        changed_any += any(change["changed"] for change in changes.values())
        for field, value in remapped.items():
            setattr(risk, field, value)
        risk.matrix = new
    Risk.objects.bulk_update(risks, [field for field, _axis in SCORE_FIELDS] + ["matrix"], batch_size=500)
    counts["level_changed"] = changed_any
    counts["assessments"] = _remap_assessments(old_by_risk, new)

    if old_active is not None:
        RiskMatrix.objects.filter(pk=old_active.pk).update(is_active=False)
    RiskMatrix.objects.filter(pk=new.pk).update(is_active=True)
    new.is_active = True
    audit.record(
        action="risk.matrix.activate",
        actor=actor,
        obj=new,
        changes={
            "is_active": [False, True],
            "previous": old_active.name if old_active else None,
            **counts,
        },
    )
    return counts


# --- The presets -----------------------------------------------------------------------------------------


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
