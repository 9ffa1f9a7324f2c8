"""A small register shared by the register tests: two systems with owners, and grants to the personas."""

from dataclasses import dataclass

import pytest

from access.models import Grant, Role, System
from tests.access.factories import GrantFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory


@dataclass
class Register:
    owner: object
    crm: System
    crm_user: Role
    crm_admin: Role
    erp: System
    erp_user: Role
    staff_crm: Grant
    report_crm_admin: Grant
    outsider_erp: Grant
    manager_erp: Grant


@pytest.fixture(name="register")
def register_fixture(staff, second_report, manager, outsider):
    """CRM (owned by Owen) and ERP (owned by someone else); staff and the second report hold CRM roles,
    the outsider and the manager hold an ERP role."""
    owner = UserFactory(email="owen.owner@example.com", full_name="Owen Owner")
    crm = SystemFactory(name="CRM", owner=owner, max_privileged=1)
    erp = SystemFactory(name="ERP", environment="staging")
    crm_user = RoleFactory(system=crm, name="Sales user")
    crm_admin = RoleFactory(system=crm, name="CRM admin", privileged=True)
    erp_user = RoleFactory(system=erp, name="Bookkeeper")
    return Register(
        owner=owner,
        crm=crm,
        crm_user=crm_user,
        crm_admin=crm_admin,
        erp=erp,
        erp_user=erp_user,
        staff_crm=GrantFactory(user=staff, role=crm_user),
        report_crm_admin=GrantFactory(user=second_report, role=crm_admin),
        outsider_erp=GrantFactory(user=outsider, role=erp_user),
        manager_erp=GrantFactory(user=manager, role=erp_user),
    )
