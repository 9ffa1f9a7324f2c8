"""Bearer token texts, one rule for every kind (API personal access tokens, SCIM connections):
``<start><prefix>_<secret>``. The prefix finds the row; only a SHA-256 of the secret is stored, and 256 random
bits need no salt or slow hash, so a lookup stays one query. The text is shown once and never stored."""

import hashlib
import hmac
import secrets

API_TOKEN_START = "dpms_"  # noqa: S105 - the public start of every personal access token, not a secret


def secret_hash(secret: str) -> str:
    """What is stored of a token's secret part."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(start: str) -> tuple[str, str, str]:
    """A fresh token: its prefix, the hash of its secret, and the text to show once."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return prefix, secret_hash(secret), f"{start}{prefix}_{secret}"


def split_token(text: str, start: str) -> tuple[str, str] | None:
    """The prefix and secret of a token text that begins with ``start``, or None for any other shape."""
    if not text.startswith(start):
        return None
    prefix, _, secret = text[len(start) :].partition("_")
    if not prefix or not secret:
        return None
    return prefix, secret


def secret_matches(stored_hash: str, secret: str) -> bool:
    """Whether ``secret`` is the one whose hash was stored (compared in constant time)."""
    return hmac.compare_digest(stored_hash, secret_hash(secret))
