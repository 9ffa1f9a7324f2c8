"""Multi-factor authentication: who must have a second factor, and how a session says it gave one.

allauth.mfa keeps the factors (TOTP, recovery codes, WebAuthn keys and passkeys) and asks for them at
sign-in; this module holds the portal's rules around it.
"""

from django.conf import settings

# Set to True in the session by the single sign-on flow (dpms/sso.py) before allauth's login stages run, when
# the identity provider's amr/acr claim says it asked a second factor and SSO_MFA_TRUST trusts it: such a
# session is not asked for the local factor and is not sent to enrolment.
IDP_MFA_SESSION_KEY = "dpms_idp_mfa"


def mfa_required(user) -> bool:
    """Whether this person cannot work without a second factor: they hold a portal role listed in
    ``MFA_REQUIRED_ROLES`` (a superuser counts as an admin), or their email is a break-glass account
    (``BREAK_GLASS_EMAILS``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if (user.email or "").lower() in settings.BREAK_GLASS_EMAILS:
        return True
    required = {role.lower() for role in settings.MFA_REQUIRED_ROLES}
    if not required:
        return False
    held = {name.lower() for name in user._role_names()}
    if user.is_superuser:
        held.add("admin")
    return bool(required & held)
