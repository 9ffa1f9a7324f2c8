"""Who reads and edits the escalation policies: the security officers edit them, auditors read them."""


def can_read_policies(user) -> bool:
    return bool(user.is_active and (user.is_security_officer or user.is_auditor))


def can_edit_policies(user) -> bool:
    return bool(user.is_active and user.is_security_officer)
