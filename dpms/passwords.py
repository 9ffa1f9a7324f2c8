"""Password policy pieces Django does not ship, and who keeps a password in SSO-only mode."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def is_break_glass(email: str) -> bool:
    """Whether ``email`` is a break-glass account (``BREAK_GLASS_EMAILS``): it keeps its password in
    SSO-only mode, must use a second factor (``dpms.mfa.mfa_required``), and its sign-ins are announced to
    the security officers (dpms/sso.py). Here, below sso, mfa and services, so each of them can ask."""
    return bool(email) and email.strip().lower() in settings.BREAK_GLASS_EMAILS


class MaximumLengthValidator:
    """Refuse absurdly long passwords (hashing cost), while allowing well over 64 characters (ASVS)."""

    def __init__(self, max_length=128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long: at most %(max)s characters.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Your password can be up to %(max)s characters long; a passphrase is welcome.") % {
            "max": self.max_length
        }
