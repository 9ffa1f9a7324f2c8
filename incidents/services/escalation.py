"""Timed escalation (owner: the escalation helper). Hooks called by the workflow services; stubs for now."""


def on_severity_set(*, incident, now, actor=None):
    """Severity set or changed (incident saved already): start a new round of the severity's policy and fire
    the levels due at once (minute 0) in this transaction."""


def on_acknowledged(*, incident, now, actor=None):
    """Acknowledged: the unacknowledged levels stop; recompute ``next_escalation_at``."""


def on_status_changed(*, incident, now, actor=None):
    """Status changed (contained, resolved, closed, dismissed, or back): recompute ``next_escalation_at``."""


def escalate_due(*, now):
    return 0
