"""References stay unique when risks are created at the same time (real row locks: PostgreSQL)."""

import pytest

from risk.models import Risk
from risk.services.register import risk_create
from tests.concurrency import same_call_at_once
from tests.risk.factories import RiskMatrixFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def test_references_are_unique_and_consecutive_under_concurrency(requires_postgres, security_officer):
    RiskMatrixFactory(is_active=True)

    def create():
        risk_create(
            actor=security_officer,
            owner=security_officer,
            title="Concurrent",
            inherent_likelihood=1,
            inherent_impact=1,
            current_likelihood=1,
            current_impact=1,
        )

    same_call_at_once(create, THREADS)  # raises if any of them failed
    references = sorted(Risk.objects.values_list("reference", flat=True))
    assert references == [f"R-{n:03d}" for n in range(1, THREADS + 1)]
