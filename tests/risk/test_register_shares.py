"""Sharing a risk through guardian: who may share, what a share opens, and the audit trail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent
from risk.queries.register import can_edit_risk, risks_for_user
from risk.services.register import risk_share, risk_unshare
from tests.risk.register_support import cast_fixture, matrix_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_a_read_share_shows_the_risk_but_does_not_open_it_for_editing(cast, staff, second_report):
    risk_share(actor=staff, risk=cast.staff_risk, user=second_report, can_edit=False)
    assert list(risks_for_user(second_report)) == [cast.staff_risk]
    assert not can_edit_risk(second_report, cast.staff_risk)
    event = AuditEvent.objects.get(action="risk.risk.share")
    assert event.changes == {"user": second_report.email, "can_edit": False}


def test_an_edit_share_opens_it_for_editing_and_unsharing_closes_it(cast, security_officer, second_report):
    risk_share(actor=security_officer, risk=cast.staff_risk, user=second_report, can_edit=True)
    assert can_edit_risk(second_report, cast.staff_risk)
    risk_unshare(actor=security_officer, risk=cast.staff_risk, user=second_report)
    assert list(risks_for_user(second_report)) == []
    assert not can_edit_risk(second_report, cast.staff_risk)
    assert AuditEvent.objects.filter(action="risk.risk.unshare").count() == 1


def test_only_the_owner_and_security_officers_share(cast, staff, second_report, auditor):
    for actor in (second_report, auditor):
        with pytest.raises(PermissionDenied):
            risk_share(actor=actor, risk=cast.staff_risk, user=second_report, can_edit=False)
    # A delegated editor may edit, not share further.
    risk_share(actor=staff, risk=cast.staff_risk, user=second_report, can_edit=True)
    with pytest.raises(PermissionDenied):
        risk_share(actor=second_report, risk=cast.staff_risk, user=auditor, can_edit=False)


def test_sharing_with_the_owner_is_refused(cast, security_officer, staff):
    with pytest.raises(ValidationError, match="The owner sees and edits the risk already"):
        risk_share(actor=security_officer, risk=cast.staff_risk, user=staff, can_edit=True)


def test_a_share_of_another_object_type_with_the_same_id_opens_nothing(cast, second_report):
    from guardian.shortcuts import assign_perm

    from tests.access.factories import SystemFactory

    system = SystemFactory()
    system.pk = cast.staff_risk.pk  # only the id matches: the content type must too
    assign_perm("access.view_system", second_report, system)
    assert list(risks_for_user(second_report)) == []
