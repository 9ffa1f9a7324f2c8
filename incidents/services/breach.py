"""The personal-data breach clock and NIS2 (owner: the breach helper). Stubs for now."""


def breach_mark(*, actor, incident, aware_at=None, aware_at_reason=""):
    """Mark ``incident`` a personal-data breach: awareness = noticed time unless given with a reason."""


def remind_clocks(*, now):
    return 0
