"""The foundation's own system checks, for ``manage.py check --deploy``."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

MIN_KEY_LENGTH = 32
HOW = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


@register(Tags.security, deploy=True)
def audit_checkpoint_key(app_configs, **kwargs):
    """Production should sign checkpoints of the audit trail (dpms/integrity.py): without them, someone who
    can write the database can cut its newest events, or rewrite it, and the hash chain still fits."""
    if settings.DEBUG:
        return []
    key = settings.AUDIT_CHECKPOINT_KEY
    if not key:
        return [
            Warning(
                "AUDIT_CHECKPOINT_KEY is not set: no checkpoints of the audit trail are written, so someone "
                "who can write the database could cut or rewrite the trail without verify_audit noticing.",
                hint=f"Set AUDIT_CHECKPOINT_KEY in the environment to a long random secret kept out of the "
                f"database, e.g. from {HOW}.",
                id="dpms.W001",
            )
        ]
    if len(key) < MIN_KEY_LENGTH:
        return [
            Warning(
                f"AUDIT_CHECKPOINT_KEY has fewer than {MIN_KEY_LENGTH} characters: too short a key.",
                hint=f"Use a long random secret, e.g. from {HOW}.",
                id="dpms.W002",
            )
        ]
    return []
