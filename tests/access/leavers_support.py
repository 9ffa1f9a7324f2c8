"""A leaver to test with: a person holding 12 grants on 5 systems (3 of them privileged), each system with an
owner of its own."""

from dataclasses import dataclass

from access.models import Grant, System
from tests.access.factories import GrantFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory

# (system, [(role, privileged), ...]): 12 grants on 5 systems, 3 privileged.
LAYOUT = [
    ("Payroll", [("Payroll admin", True), ("Payslips reader", False), ("Payroll clerk", False)]),
    ("CRM", [("CRM admin", True), ("CRM sales", False), ("CRM reports", False)]),
    ("Wiki", [("Wiki editor", False), ("Wiki reader", False)]),
    ("Warehouse", [("DB owner", True), ("Warehouse analyst", False)]),
    ("Mail", [("Mailbox", False), ("Shared calendar", False)]),
]


@dataclass
class Leaver:
    person: object
    systems: dict[str, System]
    grants: list[Grant]


def leaver_with_grants(person) -> Leaver:
    systems, grants = {}, []
    for index, (system_name, roles) in enumerate(LAYOUT):
        owner = UserFactory(email=f"owner{index}@example.com", full_name=f"Owner {system_name}")
        system = systems[system_name] = SystemFactory(name=system_name, owner=owner)
        for role_name, privileged in roles:
            grants.append(
                GrantFactory(
                    user=person, role=RoleFactory(system=system, name=role_name, privileged=privileged)
                )
            )
    return Leaver(person=person, systems=systems, grants=grants)
