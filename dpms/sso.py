"""Single sign-on through OpenID Connect providers, on allauth's socialaccount ``openid_connect`` provider.

What allauth 65 does not do by itself, and this module adds (each checked by ``tests/dpms/test_sso_*.py``
against a real provider):

* a ``nonce`` in every authorisation request, kept in the sign-in's state and compared with the ID token's;
* the ID token's signature checked against the provider's keys (JWKS) even though the token came straight
  from the token endpoint (allauth skips that check then), with an asymmetric algorithm only; an ID token is
  required, and the userinfo's subject must be the ID token's;
* the discovery document's issuer must be the configured one (allauth compares the token with discovery only).

allauth does check the ``state`` (single use, per session), the ID token's issuer, audience and expiry,
and sends PKCE (``OAUTH_PKCE_ENABLED``, dpms/sso_config.py).

The portal's rules (``SocialAccountAdapter.pre_social_login``): people are linked by (provider, subject),
never by email alone. A first sign-in links to an existing person only when the provider says the email is
verified and its domain is one of the provider's allowed domains, and when that person has no identity at
this provider yet; optional just-in-time creation makes the person through ``dpms.services.user_invite``.
Deactivated people are refused. Every sign-in, refusal (with its reason), link and unlink is audited.
``SingleSignOnMiddleware`` refuses password POSTs in SSO-only mode (except break-glass accounts) and lets
the browser's forms reach the providers (CSP ``form-action``).
"""

import hmac
import logging
from urllib.parse import urlencode, urlsplit

import jwt
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal.datakit import parse_bool_safely
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter, get_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.base.constants import AuthError
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.crypto import get_random_string
from django.utils.http import base36_to_int, urlsafe_base64_decode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from dpms import audit, mfa
from dpms.context import origin
from dpms.middleware import client_ip
from dpms.passwords import is_break_glass

logger = logging.getLogger(__name__)

SSO_SESSION_KEY = "dpms_sso"  # this session's SSO sign-in: provider, ID token (for logout), end-session URL
# RFC 8176 methods that are a second factor (or say several were used).
MFA_AMR = {"mfa", "otp", "hwk", "swk", "sc"}
# acr values that name a multi-factor level (OpenID PAPE, Okta's and Microsoft's names).
MFA_ACR_WORDS = ("multi-factor", "mfa", "2fa", "phr")
ASYMMETRIC_ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

REFUSALS = {
    "unverified_email": gettext_lazy(
        "Your identity provider did not confirm that this email address is yours, so it "
        "cannot be linked to a DPMS account. Ask your IT team to verify it there."
    ),
    "domain": gettext_lazy(
        "This provider may not sign in people with that email domain. Use your work account, or ask "
        "the DPMS administrators which sign-in to use."
    ),
    "unknown_subject": gettext_lazy(
        "There is no DPMS account for this identity. Accounts are created by the "
        "administrators: ask them to invite you, then sign in again."
    ),
    "email_linked": gettext_lazy(
        "Another identity at this provider is already linked to that DPMS account. Sign in with "
        "the identity you used before, or ask the administrators to unlink it."
    ),
    "email_mismatch": gettext_lazy(
        "That identity belongs to a different email address than your DPMS account."
    ),
    "deactivated": gettext_lazy(
        "Your DPMS account is deactivated. Ask the administrators if this is a mistake."
    ),
    "bad_token": gettext_lazy(
        "The answer from your identity provider could not be verified, so you were not signed in. "
        "Try again; if it happens again, tell the administrators."
    ),
    "bad_state": gettext_lazy(
        "This sign-in was already used or has expired. Start again from the sign-in page."
    ),
    "cancelled": gettext_lazy("The sign-in was cancelled at your identity provider."),
    "sso_only": gettext_lazy("Passwords are turned off here: sign in with your company's identity provider."),
}


def idp_says_mfa(claims: dict) -> bool:
    """Whether the ID token's ``amr`` or ``acr`` says the provider asked a second factor."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if any(isinstance(method, str) and method.lower() in MFA_AMR for method in amr):
        return True
    acr = str(claims.get("acr") or "").lower()
    return any(word in acr for word in MFA_ACR_WORDS)


def _audit(action: str, *, user=None, label: str = "", changes: dict) -> None:
    with transaction.atomic():
        audit.record(
            action=action,
            actor=user,
            obj=user,
            object_type="dpms.user",
            object_label=label if user is None else "",
            actor_label="" if user is not None else label,
            changes=changes,
            source="sso",
        )


def refuse(request, reason: str, *, provider_id: str = "", subject: str = "", email: str = "", user=None,
           detail: str = "", status: int = 403):  # fmt: skip
    """Audit the refusal with its reason and answer with a page saying it (raises ImmediateHttpResponse)."""
    _audit(
        "auth.sso.refused",
        user=user,
        label=email or subject or provider_id,
        changes={
            "reason": reason,
            "provider": provider_id,
            "subject": subject,
            "email": email,
            **({"detail": detail[:300]} if detail else {}),
        },  # fmt: skip
    )
    context = {"reason": reason, "message": REFUSALS[reason]}
    raise ImmediateHttpResponse(render(request, "socialaccount/sso_refused.html", context, status=status))


# --- The provider, with a nonce and a verified ID token -----------------------------------------------------
class VerifyingOIDCAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect adapter, verifying what it leaves out (see the module's docstring)."""

    expected_nonce: str | None = None  # from the sign-in's state, set by CallbackView

    def complete_login(self, request, app, token, **kwargs):
        if not kwargs["response"].get("id_token"):
            raise OAuth2Error("The provider sent no ID token.")
        login = super().complete_login(request, app, token, **kwargs)
        data = login.account.extra_data
        if "userinfo" in data and str(data["userinfo"].get("sub")) != str(data["id_token"].get("sub")):
            raise OAuth2Error("The userinfo's subject is not the ID token's.")
        login.dpms_id_token = kwargs["response"]["id_token"]
        login.dpms_end_session = self.openid_config.get("end_session_endpoint", "")
        return login

    def _decode_id_token(self, app, id_token: str) -> dict:
        config = self.openid_config
        configured = app.settings.get("server_url", "").rstrip("/")
        if str(config.get("issuer", "")).rstrip("/") != configured:
            raise OAuth2Error(f"The discovery document's issuer is not {configured}.")
        try:
            alg = jwt.get_unverified_header(id_token).get("alg")
            if alg not in ASYMMETRIC_ALGORITHMS:
                raise OAuth2Error(f"ID token signed with {alg!r}, not a public-key algorithm.")
            key = self._signing_key(id_token)
            # Signature, issuer, audience, expiry (no leeway), and the claims a valid ID token always has.
            claims = jwt.decode(
                id_token,
                key=key,
                algorithms=[alg],
                audience=app.client_id,
                issuer=config["issuer"],
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
            jwtkit.verify_jti(claims)  # the same token twice is refused (allauth's cache of seen ids)
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:  # malformed token or key set
            raise OAuth2Error("The ID token is malformed.") from error
        nonce = claims.get("nonce")
        if not self.expected_nonce or not isinstance(nonce, str):
            raise OAuth2Error("The ID token has no nonce.")
        if not hmac.compare_digest(nonce.encode(), self.expected_nonce.encode()):
            raise OAuth2Error("The ID token's nonce is not this sign-in's.")
        return claims

    def _signing_key(self, id_token: str):
        """The provider's published key for this token: the one its ``kid`` names, or, for a token without
        one, the key set's only signing key (OpenID Connect Core 10.1)."""
        with get_adapter().get_requests_session() as session:
            response = session.get(self.openid_config["jwks_uri"])
            response.raise_for_status()
            keys = [k for k in response.json().get("keys", []) if k.get("use", "sig") == "sig"]
        kid = jwt.get_unverified_header(id_token).get("kid")
        found = [k for k in keys if k.get("kid") == kid] if kid else keys
        if len(found) != 1:
            raise OAuth2Error(f"No single published key for the ID token (kid {kid!r}).")
        return jwt.PyJWK.from_dict(found[0]).key


class Provider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, sending a fresh nonce with every authorisation request."""

    oauth2_adapter_class = VerifyingOIDCAdapter

    @property
    def preset(self) -> str:
        return self.app.settings.get("preset", "oidc")

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = get_random_string(32)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = dict(self.get_auth_params() if auth_params is None else auth_params, nonce=nonce)
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


class CallbackView(OAuth2CallbackView):
    """allauth's callback, handing the stashed nonce to the adapter that checks the ID token."""

    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        self.adapter.expected_nonce = (state or {}).get("nonce")
        return state, response


def callback(request, provider_id: str):
    """The provider's redirect back (allauth's ``openid_connect_callback``, with our verifying adapter)."""
    try:
        view = CallbackView.adapter_view(VerifyingOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


# Mounted in dpms/urls.py before allauth's own URLs, so the callback is ours (same path and name).
urlpatterns = [path("oidc/<str:provider_id>/login/callback/", callback, name="openid_connect_callback")]


def _ours(provider):
    if type(provider) is OpenIDConnectProvider:
        return Provider(provider.request, app=provider.app)
    return provider


# --- The portal's rules -------------------------------------------------------------------------------------
class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's socialaccount hooks: our provider class, the linking rules, refusals and disconnecting."""

    def get_provider(self, request, provider, client_id=None):
        return _ours(super().get_provider(request, provider, client_id))

    def list_providers(self, request):
        return [_ours(provider) for provider in super().list_providers(request)]

    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        """Decide whether this identity may sign in, linking it to a person when the rules allow; runs
        before allauth's login stages (and so before the multi-factor stage)."""
        admit(request, sociallogin)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        provider_id = getattr(getattr(provider, "app", None), "provider_id", "") or ""
        # A provider may send the person back without the state when they cancel (the test provider does).
        if error == AuthError.CANCELLED or request.GET.get("error") == "access_denied":
            refuse(request, "cancelled", provider_id=provider_id, status=400)
        if exception is None and "state_id" in (extra_context or {}):
            refuse(request, "bad_state", provider_id=provider_id, status=400)
        detail = str(exception or error or "")
        if exception is not None and exception.__cause__ is not None:
            detail = f"{detail}: {exception.__cause__}"
        refuse(request, "bad_token", provider_id=provider_id, detail=detail, status=400)

    def validate_disconnect(self, account, accounts):
        """In SSO-only mode nobody unlinks their last identity (it is their only way in), unless they are a
        break-glass account, who keeps a password."""
        if settings.SSO_ONLY and len(accounts) <= 1 and not is_break_glass(account.user.email):
            raise self.validation_error("disconnect_last")


def _claims(sociallogin) -> tuple[dict, dict]:
    """(the ID token's claims, the person's data: userinfo if fetched, else the ID token)."""
    data = sociallogin.account.extra_data or {}
    id_token = data.get("id_token") or {}
    return id_token, data.get("userinfo") or id_token


def admit(request, sociallogin) -> None:
    """The linking rules (see the module's docstring); refuses with ``refuse``."""
    from dpms.models import User

    app = sociallogin.provider.app
    account = sociallogin.account
    id_token, person = _claims(sociallogin)
    email = str(person.get("email") or "").strip().lower()
    where = {"provider_id": account.provider, "subject": account.uid, "email": email}
    connecting = sociallogin.state.get("process") == "connect"

    if sociallogin.is_existing:
        user = sociallogin.user
        if not user.is_active:
            refuse(request, "deactivated", user=user, **where)
    else:
        if not email or not parse_bool_safely(person.get("email_verified")):
            refuse(request, "unverified_email", **where)
        if email.rpartition("@")[2] not in app.settings.get("allowed_domains", []):
            refuse(request, "domain", **where)
        if connecting:
            user = request.user
            if not user.is_authenticated or user.email.lower() != email:
                refuse(request, "email_mismatch", user=user if user.is_authenticated else None, **where)
        else:
            user = User.objects.filter(email__iexact=email).first()
        if user is None:
            if not app.settings.get("jit"):
                refuse(request, "unknown_subject", **where)
            user = create_person(request, sociallogin, email=email, claims=person)
        if not user.is_active:
            refuse(request, "deactivated", user=user, **where)
        if SocialAccount.objects.filter(user=user, provider=account.provider).exists():
            refuse(request, "email_linked", user=user, **where)
        if not connecting:
            sociallogin.connect(request, user)  # allauth's social_account_added: audited below
    if connecting:
        return  # linking an identity to a signed-in person changes nothing about their session
    # Set (or cleared) before allauth's login stages run: dpms.mfa's stage and gate read it.
    request.session.pop(mfa.IDP_MFA_SESSION_KEY, None)
    if settings.SSO_MFA_TRUST and idp_says_mfa(id_token):
        request.session[mfa.IDP_MFA_SESSION_KEY] = True
    request.session[SSO_SESSION_KEY] = {
        "provider_id": account.provider,
        "subject": account.uid,
        "id_token": getattr(sociallogin, "dpms_id_token", ""),
        "end_session": getattr(sociallogin, "dpms_end_session", ""),
        "idp_mfa": bool(request.session.get(mfa.IDP_MFA_SESSION_KEY)),
    }


def create_person(request, sociallogin, *, email: str, claims: dict):
    """Just-in-time creation (the provider's ``jit``): the joiner steps through ``user_invite`` without an
    invitation email, in the team the provider's ``team_claim`` names (made when no team has that name)."""
    from dpms import services
    from dpms.models import Team

    name = " ".join(str(claims.get("name") or "").split())[:200] or email
    claim = sociallogin.provider.app.settings.get("team_claim") or ""
    team_name = " ".join(str(claims.get(claim, "") if claim else "").split())[:100]
    source = origin("sso", request_id=getattr(request, "request_id", ""), client_ip=client_ip(request))
    with source, transaction.atomic():
        team = None
        if team_name:
            team = Team.objects.filter(name__iexact=team_name).first() or services.team_create(
                actor=None, name=team_name
            )
        return services.user_invite(actor=None, email=email, full_name=name, team=team, invite=False)


def linked_identities(user) -> list[dict]:
    """A person's linked identities for their page: provider name, email at the provider, linked and last
    used; two queries however many they have (their accounts, and the providers)."""
    accounts = list(SocialAccount.objects.filter(user=user).order_by("date_joined", "pk"))
    if not accounts:
        return []
    names = {app.provider_id or app.provider: app.name for app in get_adapter().list_apps(None)}
    rows = []
    for account in accounts:
        data = account.extra_data or {}
        person = data.get("userinfo") or data.get("id_token") or {}
        rows.append(
            {
                "pk": account.pk,
                "provider": names.get(account.provider, account.provider),
                "email": person.get("email", ""),
                "linked": account.date_joined,
                "last_used": account.last_login,
            }
        )
    return rows


# --- Sign-out at the provider -------------------------------------------------------------------------------
def logout_redirect_url(request) -> str | None:
    """Where sign-out sends a person who signed in through a provider that offers RP-initiated logout
    (``end_session_endpoint``): there, with the ID token as hint and our sign-in page to come back to."""
    info = request.session.get(SSO_SESSION_KEY) or {}
    if not info.get("end_session") or not info.get("id_token"):
        return None
    back = request.build_absolute_uri(reverse(settings.ACCOUNT_LOGOUT_REDIRECT_URL))
    params = {"id_token_hint": info["id_token"], "post_logout_redirect_uri": back}
    return f"{info['end_session']}?{urlencode(params)}"


# --- Audit of sign-ins, links and unlinks -------------------------------------------------------------------
@receiver(user_logged_in, dispatch_uid="dpms-sso-sign-in")
def _signed_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    info = request.session.get(SSO_SESSION_KEY)
    if info and _signed_in_through(request, info):
        _audit(
            "auth.sso.sign_in",
            user=user,
            changes={"provider": info["provider_id"], "subject": info["subject"], "idp_mfa": info["idp_mfa"]},
        )
    if is_break_glass(user.email):
        announce_break_glass(user=user)


def _signed_in_through(request, info: dict) -> bool:
    """Whether this sign-in came through the provider in ``info`` (allauth keeps the session's ways in)."""
    methods = request.session.get("account_authentication_methods") or []
    return any(
        m.get("method") == "socialaccount"
        and m.get("uid") == info["subject"]
        and m.get("provider") == info["provider_id"]
        for m in methods
        if isinstance(m, dict)
    )


@transaction.atomic
def announce_break_glass(*, user) -> None:
    """A break-glass account signed in: recorded, and every security officer is told (in the app and by
    email), each sign-in on its own."""
    from dpms import notify
    from dpms.models import User

    event = audit.record(action="auth.break_glass.sign_in", actor=user, obj=user)
    for officer in User.objects.security_officers().exclude(pk=user.pk):
        notify.notify(
            recipient=officer,
            subject=format_lazy(gettext_lazy("Break-glass sign-in: {email}"), email=user.email),
            body=format_lazy(
                gettext_lazy(
                    "The break-glass account {email} signed in to DPMS (audit event #{sequence}, "
                    "from {address}). Unexpected? Treat it as an incident."
                ),
                email=user.email,
                sequence=event.sequence,
                address=event.client_ip or gettext_lazy("an unknown address"),
            ),
            link=reverse("audit_trail"),
            dedup_key=f"break-glass:{event.sequence}:{officer.pk}",
        )


@receiver(social_account_added, dispatch_uid="dpms-sso-link")
def _linked(sender, request, sociallogin, **kwargs):
    _audit(
        "auth.sso.link",
        user=sociallogin.user,
        changes={"provider": sociallogin.account.provider, "subject": sociallogin.account.uid},
    )


@receiver(social_account_removed, dispatch_uid="dpms-sso-unlink")
def _unlinked(sender, request, socialaccount, **kwargs):
    _audit("auth.sso.unlink", user=socialaccount.user,
           changes={"provider": socialaccount.provider, "subject": socialaccount.uid})  # fmt: skip


# --- SSO-only mode and the browser's way to the providers ---------------------------------------------------
PASSWORD_VIEWS = {
    "account_login",
    "account_reset_password",
    "account_reset_password_from_key",
    "account_change_password",
    "account_set_password",
    "account_reauthenticate",
    "invitation_accept",
}


def _email_of(request, match) -> str:
    """Whose password a password POST is about: the form's email, the link's person, or the signed-in one."""
    from dpms.models import User

    name, kwargs = match.url_name, match.kwargs
    if name == "account_login":
        return request.POST.get("login", "")
    if name == "account_reset_password":
        return request.POST.get("email", "")
    pk = None
    try:
        if name == "account_reset_password_from_key":
            pk = base36_to_int(kwargs.get("uidb36", ""))
        elif name == "invitation_accept":
            pk = int(urlsafe_base64_decode(kwargs.get("uidb64", "")).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return ""
    if pk is not None:
        return User.objects.filter(pk=pk).values_list("email", flat=True).first() or ""
    return request.user.email if request.user.is_authenticated else ""


def provider_origins(request) -> list[str]:
    """The origins of every provider's issuer (where the sign-in buttons' redirects go)."""
    origins = set()
    for app in get_adapter().list_apps(request, provider="openid_connect"):
        url = (app.settings or {}).get("server_url", "")
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


class SingleSignOnMiddleware:
    """SSO-only mode: a password POST (sign-in, reset, invitation, password set or change) is refused with a
    403 saying why, and audited, unless it is about a break-glass account.

    And the Content-Security-Policy's ``form-action`` lets the browser follow the sign-in buttons' redirect
    to the providers (on the sign-in pages) and the sign-out's redirect to the provider's end-session
    endpoint (in a session that signed in through one): Chromium applies ``form-action`` to redirects too.
    Listed after django-csp's middleware, so it sees the response first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            from django.urls import Resolver404, resolve

            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if match is not None and match.url_name == "account_login":
                # A password sign-in is never the provider's: an abandoned SSO sign-in in this session
                # leaves neither its trusted second factor nor its provider behind.
                request.session.pop(mfa.IDP_MFA_SESSION_KEY, None)
                request.session.pop(SSO_SESSION_KEY, None)
            if settings.SSO_ONLY and match is not None and match.url_name in PASSWORD_VIEWS:
                email = _email_of(request, match)
                if not is_break_glass(email):
                    return self._refuse(request, match.url_name, email)
        response = self.get_response(request)
        origins = self._form_origins(request)
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            response._csp_update = update
        return response

    @staticmethod
    def _form_origins(request) -> list[str]:
        origins = []
        match = getattr(request, "resolver_match", None)
        if match is not None and (match.url_name or "") in {
            "account_login",
            "openid_connect_login",
            "socialaccount_connections",
        }:
            origins.extend(provider_origins(request))
        info = request.session.get(SSO_SESSION_KEY) if hasattr(request, "session") else None
        if info and info.get("end_session"):
            parts = urlsplit(info["end_session"])
            origins.append(f"{parts.scheme}://{parts.netloc}")
        return origins

    @staticmethod
    def _refuse(request, view: str, email: str):
        from django.template.loader import render_to_string

        user = request.user if request.user.is_authenticated else None
        _audit("auth.sso.refused", user=user, label=email[:200],
               changes={"reason": "sso_only", "view": view, "email": email[:200]})  # fmt: skip
        html = render_to_string(
            "socialaccount/sso_refused.html", {"reason": "sso_only", "message": REFUSALS["sso_only"]}, request
        )
        return HttpResponseForbidden(html)
