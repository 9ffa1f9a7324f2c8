"""Shared by the register tests: the factories' 5×5 matrix made the active one, and a small cast of risks."""

from dataclasses import dataclass

import pytest

from risk.models import Risk, RiskMatrix
from tests.risk.factories import RiskFactory, RiskMatrixFactory


@pytest.fixture(name="matrix")
def matrix_fixture(db):
    """The factories' 5×5 (level = (likelihood + impact) // 2; appetite "Moderate") as the active matrix,
    instead of the shipped preset the migrations activate."""
    RiskMatrix.objects.filter(is_active=True).update(is_active=False)
    return RiskMatrixFactory(name="Test 5×5", is_active=True)


@dataclass
class Cast:
    staff_risk: Risk  # owned by staff, current (1, 1): Low
    outsider_risk: Risk  # owned by the outsider, current (4, 4): Very high
    manager_risk: Risk  # owned by the manager, current (3, 2): Moderate


@pytest.fixture(name="cast")
def cast_fixture(matrix, staff, outsider, manager):
    return Cast(
        staff_risk=RiskFactory(owner=staff, matrix=matrix, current_likelihood=1, current_impact=1),
        outsider_risk=RiskFactory(owner=outsider, matrix=matrix, current_likelihood=4, current_impact=4),
        manager_risk=RiskFactory(owner=manager, matrix=matrix, current_likelihood=3, current_impact=2),
    )
