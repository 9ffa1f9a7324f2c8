"""Who sets a treatment action's status: its owner and whoever may change the risk; an auditor never."""

import pytest
from django.core.exceptions import PermissionDenied

from risk.choices import RiskStatus
from risk.services.actions import action_set_status
from tests.risk.factories import RiskFactory, TreatmentActionFactory

pytestmark = pytest.mark.django_db


def test_an_auditor_who_owns_a_risk_and_its_action_does_not_set_the_status(auditor):
    risk = RiskFactory(owner=auditor, current_likelihood=0, current_impact=0, status=RiskStatus.OPEN)
    action = TreatmentActionFactory(risk=risk, owner=auditor)
    with pytest.raises(PermissionDenied):
        action_set_status(action=action, actor=auditor, status="done", may_change_risk=False)
