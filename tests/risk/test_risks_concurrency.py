"""References stay unique when risks are created at the same time (real row locks: PostgreSQL)."""

import threading

import pytest
from django.db import connection

from risk.models import Risk
from risk.services.risks import risk_create
from tests.risk.factories import RiskMatrixFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def test_references_are_unique_and_consecutive_under_concurrency(requires_postgres, security_officer):
    RiskMatrixFactory(is_active=True)
    barrier = threading.Barrier(THREADS)
    errors = []

    def create():
        try:
            barrier.wait()
            risk_create(
                actor=security_officer,
                owner=security_officer,
                title="Concurrent",
                inherent_likelihood=1,
                inherent_impact=1,
                current_likelihood=1,
                current_impact=1,
            )
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    references = sorted(Risk.objects.values_list("reference", flat=True))
    assert references == [f"R-{n:03d}" for n in range(1, THREADS + 1)]
