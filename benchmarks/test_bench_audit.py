"""Benchmarks of the audit trail: appending an event, and verifying a chain. Run with `make bench`."""

import pytest
from django.db import transaction

from dpms import audit

pytestmark = pytest.mark.django_db


def _append():
    with transaction.atomic():
        audit.record(action="bench.append", object_type="bench", object_id="1", changes={"n": [1, 2]})


def test_bench_audit_append(benchmark):
    benchmark(_append)


def test_bench_audit_verify_2000_events(benchmark):
    for _ in range(2000):
        _append()
    result = benchmark(audit.verify)
    assert result.ok
    assert result.checked == 2000
