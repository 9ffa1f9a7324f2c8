"""Shared fixtures of the vulnerabilities tests: a system with its owner, and signed-in clients."""

import pytest

from tests.access.factories import SystemFactory
from tests.factories import UserFactory


@pytest.fixture
def system_owner(db):
    return UserFactory(email="olivia.owner@example.com", full_name="Olivia Owner", time_zone="Europe/Berlin")


@pytest.fixture
def owned_system(system_owner):
    return SystemFactory(name="Payroll", owner=system_owner)
