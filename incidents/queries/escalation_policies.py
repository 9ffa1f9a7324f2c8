"""Reads of the escalation policies: who reads and edits them (the security officers edit them, auditors read
them), and the stored policies with their levels. The defaults, for a severity with no policy row yet, are
in ``incidents.services.escalation_policies``."""

from incidents.models import EscalationLevel, EscalationPolicy


def can_read_policies(user) -> bool:
    return bool(user.is_active and (user.is_security_officer or user.is_auditor))


def can_edit_policies(user) -> bool:
    return bool(user.is_active and user.is_security_officer)


def stored_policies() -> tuple[dict[int, EscalationPolicy], dict[int, list[EscalationLevel]]]:
    """The policy rows by severity (with who last changed them), and their levels by severity in firing
    order: two queries."""
    policies = {policy.severity: policy for policy in EscalationPolicy.objects.select_related("updated_by")}
    levels: dict[int, list[EscalationLevel]] = {}
    for level in EscalationLevel.objects.select_related("person", "policy").order_by("trigger", "position"):
        levels.setdefault(level.policy.severity, []).append(level)
    return policies, levels


def stored_levels(severity: int) -> list[EscalationLevel]:
    """The levels of the stored policy of ``severity`` (none when it has no row yet), in firing order."""
    return list(
        EscalationLevel.objects.filter(policy__severity=severity)
        .select_related("person")
        .order_by("trigger", "position")
    )
