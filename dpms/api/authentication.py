"""Who calls: a personal access token (``Authorization: Bearer dpms_...``) or a signed-in browser session
(with CSRF, as DRF enforces for session calls), and what a token may do."""

import ipaddress

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from dpms import queries, services
from dpms.api import schema  # noqa: F401 - registers how the schema describes these authenticators
from dpms.context import current_origin, replace_origin
from dpms.middleware import client_ip

KEYWORD = "Bearer"


class TokenAuthentication(authentication.BaseAuthentication):
    """A personal access token: unknown, wrong, expired and revoked tokens and deactivated owners all get
    the same 401; a token used outside its allowed networks gets a 403 naming that."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as 'Authorization: Bearer <token>'.")
        try:
            text = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = queries.api_token_for_text(text)
        now = timezone.now()
        if token is None or not token.is_active_at(now) or not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token is not valid, has expired or was revoked.")
        address = client_ip(request._request)
        if token.allowed_networks and not _allowed(address, token.allowed_networks):
            raise exceptions.PermissionDenied("This token may not be used from your network.")
        services.api_token_used(token=token, client_ip=address, now=now)
        # The audit trail names the token on everything this request writes.
        replace_origin(current_origin(), via=f"API token #{token.pk} {token.name}")
        return token.user, token

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """A signed-in browser: DRF's session authentication, which requires the CSRF token on writes."""


def _allowed(address: str | None, networks: list[str]) -> bool:
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(network) for network in networks)


def calling_token(request):
    """The token a request came with, or None for a browser session."""
    auth = getattr(request, "auth", None)
    return auth if auth is not None and hasattr(auth, "read_only") else None


class TokenScope(permissions.BasePermission):
    """Signed in (token or session); a read-only token may only read."""

    message = "This token is read-only."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        token = calling_token(request)
        return token is None or not token.read_only or request.method in permissions.SAFE_METHODS
