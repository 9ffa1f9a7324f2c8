"""Reads of the risk matrices: who may read and manage them, the list, the grid as drawn, and the preview
of an activation (every risk's scores re-mapped onto the new matrix, computed but not written).

Matrices are the register's rules, not anyone's data: security officers manage them, auditors and admins
(who approve acceptances above appetite) read them, other staff get a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from risk.models import Risk, RiskMatrix
from risk.presets import text_on
from risk.services.matrices import SCORE_FIELDS, level_changes, remap_scores

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
