"""The risk app's demo seeder adds nothing to an installation without the demo organisation."""

import pytest

from risk.demo import seed_risk_demo
from risk.models import Risk

pytestmark = pytest.mark.django_db


def test_creates_nothing_outside_the_demo_organisation(security_officer):
    assert seed_risk_demo() == {}
    assert not Risk.objects.exists()
