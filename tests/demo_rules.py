"""The demo obeys the rules a person faces (tests/<app>/test_demo_rules.py): each seeded object is put through
its services' own validation, and every refusal is named."""

from django.core.exceptions import ValidationError


def refusals(objects, check) -> list[str]:
    """What the services would refuse, object by object (empty: all pass)."""
    found = []
    for obj in objects:
        try:
            check(obj)
        except ValidationError as error:
            found.append(f"{obj}: {' '.join(error.messages)}")
    return found
