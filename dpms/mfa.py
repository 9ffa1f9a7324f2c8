"""Multi-factor authentication: who must have a second factor, how a session says it gave one, the gate that
keeps everyone else on the enrolment pages, and the audit, notices and admin reset around allauth.mfa.

allauth.mfa keeps the factors (TOTP, recovery codes, WebAuthn security keys and passkeys) and asks for them at
sign-in (its ``AuthenticateStage``, for every sign-in of a person with a factor: password, passkey and single
sign-on alike). This module adds the portal's rules:

* ``mfa_required(user)``: a portal role in ``MFA_REQUIRED_ROLES`` or a break-glass account.
* ``MFAGateMiddleware``: a person who must have a second factor and whose session has not given one reaches
  only the enrolment pages (plus sign-out, static files and health checks). How the session signed in is read
  from allauth's authentication records (``allauth.account.authentication``), which only allauth's own flows
  write: a session signed in some other way (a future ``login()`` call) has no record and is held at the gate,
  so the gate fails closed.
* ``AuthenticateStage``: allauth's stage, except that a single sign-on the identity provider vouched for as
  multi-factor (``IDP_MFA_SESSION_KEY``) is not asked again.
* ``AuthenticateForm``: a wrong code uses up the same sign-in allowance as a wrong password.
* Receivers of allauth.mfa's signals: enrolment, removal, new recovery codes and a used recovery code are
  audited and the person is told (the outbox); a wrong code is a failed sign-in in the audit trail.
* ``mfa_reset``: an admin removes a person's factors (audited; the admin's own second factor required).
"""

from __future__ import annotations

import time

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
from allauth.account.internal.userkit import user_id_to_str
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.stages import AuthenticateStage as AllauthAuthenticateStage
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm as AllauthAuthenticateWebAuthnForm
from allauth.mfa.webauthn.forms import ReauthenticateWebAuthnForm as AllauthReauthenticateWebAuthnForm
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext

from dpms import audit, notify
from dpms.passwords import is_break_glass

# Set to True in the session by the single sign-on flow (dpms/sso.py) before allauth's login stages run, when
# the identity provider's amr/acr claim says it asked a second factor and SSO_MFA_TRUST trusts it: such a
# session is not asked for the local factor and is not sent to enrolment.
IDP_MFA_SESSION_KEY = "dpms_idp_mfa"

TYPE_LABELS = {
    Authenticator.Type.TOTP: gettext_lazy("authenticator app"),
    Authenticator.Type.WEBAUTHN: gettext_lazy("security key or passkey"),
    Authenticator.Type.RECOVERY_CODES: gettext_lazy("recovery codes"),
}


# --- Who, and what the session has shown ---------------------------------------------------------------
def mfa_required(user) -> bool:
    """Whether this person cannot work without a second factor: they hold a portal role listed in
    ``MFA_REQUIRED_ROLES`` (a superuser counts as an admin), or their email is a break-glass account
    (``BREAK_GLASS_EMAILS``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_break_glass(user.email):
        return True
    required = {role.lower() for role in settings.MFA_REQUIRED_ROLES}
    if not required:
        return False
    held = {name.lower() for name in user._role_names()}
    if user.is_superuser:
        held.add("admin")
    return bool(required & held)


def mfa_enabled(user) -> bool:
    """Whether they have a second factor: an authenticator app or a key (recovery codes alone are not)."""
    return Authenticator.objects.filter(
        user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def _sign_in_record(records: list[dict]) -> dict | None:
    """The record of how the session signed in: the last one that is not a later re-authentication."""
    for record in reversed(records):
        if record.get("method") != "mfa" and not record.get("reauthenticated"):
            return record
    return None


def idp_mfa_trusted(request, user) -> bool:
    """The session signed in through single sign-on, and the identity provider's second factor was trusted
    (dpms/sso.py set ``IDP_MFA_SESSION_KEY``). A password sign-in after an abandoned single sign-on in the
    same browser is not: the flag counts only while the sign-in itself is the single sign-on."""
    if request.session.get(IDP_MFA_SESSION_KEY) is not True:
        return False
    record = _sign_in_record(get_authentication_records(request, user))
    return record is not None and record.get("method") == "socialaccount"


def signed_in_recently(request) -> bool:
    """The session's sign-in (password or single sign-on) is younger than ACCOUNT_REAUTHENTICATION_TIMEOUT."""
    from allauth.account import app_settings as account_settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    record = _sign_in_record(get_authentication_records(request, user))
    age = time.time() - record.get("at", 0) if record is not None else None
    return age is not None and age < account_settings.REAUTHENTICATION_TIMEOUT


def session_mfa_authenticated(request, user) -> bool:
    """The session gave a local second factor: at sign-in, by a passkey, at enrolment or re-authentication."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, user))


def record_second_factor(request, user, **extra) -> None:
    """Note in the session's authentication records that it showed a second factor now (allauth's shape)."""
    records = [*get_authentication_records(request, user)]
    records.append({"method": "mfa", "at": time.time(), **extra})
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    request.session["account_authentication_methods_user"] = user_id_to_str(user)


# --- The gate ------------------------------------------------------------------------------------------
class MFAGateMiddleware:
    """Keep a person who must have a second factor on the enrolment pages until their session has one.

    Checked on every request, so a person given a privileged role meets it at their next request, and one
    whose role is taken away is let through at theirs. A session that showed a second factor (or whose single
    sign-on was trusted as multi-factor) passes without a query; only the others read the person's roles.
    Enrolled people whose session shows no factor (signed in some way that skipped allauth's stage) are asked
    for it again (allauth's re-authentication with a factor); people with none go to enrolment. Pages answer
    with a redirect, the API with a 403 problem.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not self._open(request.path_info):
            held = self._held(request, user)
            if held:
                return self._refuse(request, held)
        return self.get_response(request)

    @staticmethod
    def _held(request, user) -> str:
        if session_mfa_authenticated(request, user) or idp_mfa_trusted(request, user):
            return ""
        if not mfa_required(user):
            return ""
        return "verify" if mfa_enabled(user) else "enrol"

    @staticmethod
    def _open(path: str) -> bool:
        """The enrolment pages (allauth's two-factor pages and the password re-authentication they may ask
        for), sign-out, static files and the health checks."""
        open_prefixes = (
            reverse("mfa_index"),
            reverse("account_reauthenticate"),
            reverse("account_logout"),
            "/" + settings.STATIC_URL.lstrip("/"),
            reverse("healthz"),
        )
        return path.startswith(open_prefixes)

    @staticmethod
    def _refuse(request, held: str):
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "type": "about:blank",
                    "title": "Two-factor authentication required",
                    "status": 403,
                    "detail": "Your role needs a second factor, and this session has not shown one: set it "
                    "up (or give it) in the portal under Two-factor authentication.",
                },
                status=403,
                content_type="application/problem+json",
            )
        if held == "verify":
            target = reverse("mfa_reauthenticate")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
        else:
            target = reverse("mfa_index")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)


# --- allauth hooks -------------------------------------------------------------------------------------
class AuthenticateStage(AllauthAuthenticateStage):
    """allauth's second-factor stage, except for a single sign-on whose identity provider's second factor is
    trusted (``SSO_MFA_TRUST``, ``IDP_MFA_SESSION_KEY``). allauth 65.22 runs this stage for every sign-in of
    a person with a factor, single sign-on included, so every other sign-in is asked for the local factor."""

    def _should_handle(self, request) -> bool:
        if self.login.user is not None and idp_mfa_trusted(request, self.login.user):
            return False
        return super()._should_handle(request)


def _spend_allowance(user):
    """Use up one try of the sign-in allowance of ``user``'s email from this address, as a wrong password
    does (``login_failed`` and ``login_failed_wide`` in dpms/adapters.py). Returns the two claims, to give
    back when the factor turns out right; raises the locked-out error when none is left."""
    request = allauth_context.request
    adapter = get_account_adapter(request)
    email = (user.email or "").lower()
    pair = ratelimit.consume(
        request,
        app="allauth.account",
        action="login_failed",
        key=adapter._get_login_attempts_cache_key(request, email=email),
    )
    wide = pair and ratelimit.consume(request, app="allauth.account", action="login_failed_wide", key=email)
    if not pair or not wide:
        if pair:
            pair.rollback()
        from dpms.signals import record_sign_in_failed

        record_sign_in_failed({"email": email}, reason="too many failed attempts")
        raise adapter.validation_error("too_many_login_attempts")
    return pair, wide


class _SignInAllowance:
    """A wrong code uses up the sign-in allowance of the person's email from this address, as a wrong password
    does; a right one gives it back."""

    user: object

    def clean_code(self):
        pair, wide = _spend_allowance(self.user)
        code = super().clean_code()  # type: ignore[misc]  # raises on a wrong code: the allowance stays used
        pair.rollback()
        wide.rollback()
        return code


class _SecurityKeyAllowance:
    """The same for a security key or passkey answering the second-factor step: a refused answer uses up a
    try (and is audited as a failed sign-in), a good one gives it back."""

    user: object

    def clean_credential(self):
        pair, wide = _spend_allowance(self.user)
        try:
            authenticator = super().clean_credential()  # type: ignore[misc]
        except ValidationError:
            from dpms.signals import record_sign_in_failed

            email = self.user.email  # type: ignore[attr-defined]
            record_sign_in_failed({"email": email}, reason="security key refused")
            raise
        pair.rollback()
        wide.rollback()
        return authenticator


class AuthenticateWebAuthnForm(_SecurityKeyAllowance, AllauthAuthenticateWebAuthnForm):
    """A security key or passkey as the second factor at sign-in."""


class ReauthenticateWebAuthnForm(_SecurityKeyAllowance, AllauthReauthenticateWebAuthnForm):
    """A security key or passkey asked again before a sensitive change."""


class AuthenticateForm(_SignInAllowance, AllauthAuthenticateForm):
    """The code asked at sign-in."""


class ReauthenticateForm(_SignInAllowance, AllauthReauthenticateForm):
    """The code asked again before a sensitive change, or by the gate."""


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """The code that turns an authenticator app on is used up like a sign-in code: within its window it cannot
    then sign in (allauth checks it without marking it; the mark is allauth's own, in the shared cache)."""

    def clean_code(self):
        code = super().clean_code()
        used = TOTP(Authenticator(user_id=self.user.pk, type=Authenticator.Type.TOTP))
        used._mark_code_used(code)
        return code


class MFAAdapter(DefaultMFAAdapter):
    """Codes are labelled "DPMS" in authenticator apps; the notices go through the outbox (the receivers
    below), not allauth's direct email."""

    def get_totp_issuer(self) -> str:
        return "DPMS"

    def send_notification_mail(self, *args, **kwargs) -> None:
        return None


# --- Audit and notices ---------------------------------------------------------------------------------
@transaction.atomic
def mfa_change_record(
    *, user, action: str, authenticator, subject: notify.Text = "", body: notify.Text = "", extra=None
):
    """Audit one change of a person's factors (``auth.mfa.*``) and, with a ``subject``, tell them in the app
    and by email, in their language: someone who did not make the change learns of it."""
    kind = authenticator.type if authenticator is not None else ""
    changes = {"type": kind, **(extra or {})}
    audit.record(action=action, actor=user, obj=user, changes=changes)
    if subject:
        notify.notify(
            recipient=user,
            subject=subject,
            body=lambda person: " ".join(
                [
                    notify.render(body, person),
                    gettext("If this was not you, tell your security officer at once."),
                ]
            ),
            link=reverse("mfa_index"),
        )


@receiver(mfa_signals.authenticator_added)
def _added(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        mfa_change_record(user=user, action="auth.mfa.recovery_codes_generated", authenticator=authenticator)
        return
    label = TYPE_LABELS.get(authenticator.type, authenticator.type)
    name = authenticator.wrap().name if authenticator.type == Authenticator.Type.WEBAUTHN else ""
    mfa_change_record(
        user=user,
        action="auth.mfa.enrol",
        authenticator=authenticator,
        subject=format_lazy(
            gettext_lazy("A second factor was added to your DPMS account: {label}"), label=label
        ),
        body=format_lazy(
            gettext_lazy(
                "A second factor was added to your account: {label} ({name}). DPMS will ask for it when you "
                "sign in."
            )
            if name
            else gettext_lazy(
                "A second factor was added to your account: {label}. DPMS will ask for it when you sign in."
            ),
            label=label,
            name=name,
        ),
        extra={"name": name} if name else None,
    )
    if request is not None and getattr(request, "user", None) == user:
        # Adding it proved the person holds it: this session has shown a second factor.
        record_second_factor(request, user, type=authenticator.type, id=authenticator.pk, enrolled=True)


@receiver(mfa_signals.authenticator_removed)
def _removed(sender, request, user, authenticator, **kwargs):
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        # They go with the last app or key, whose removal the person is told of: one notice, not two.
        mfa_change_record(user=user, action="auth.mfa.remove", authenticator=authenticator)
        return
    label = TYPE_LABELS.get(authenticator.type, authenticator.type)
    if request is not None and getattr(request, "user", None) == user and not mfa_enabled(user):
        # Their last app or key is gone: this session no longer counts as having shown one, so a person who
        # must have a second factor is back at enrolment at their next request, not at their next sign-in.
        records = get_authentication_records(request, user)
        request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [r for r in records if r.get("method") != "mfa"]
    mfa_change_record(
        user=user,
        action="auth.mfa.remove",
        authenticator=authenticator,
        subject=format_lazy(
            gettext_lazy("A second factor was removed from your DPMS account: {label}"), label=label
        ),
        body=format_lazy(
            gettext_lazy("A second factor was removed from your account: {label}."), label=label
        ),
    )


@receiver(mfa_signals.authenticator_reset)
def _reset(sender, request, user, authenticator, **kwargs):
    mfa_change_record(
        user=user,
        action="auth.mfa.recovery_codes_generated",
        authenticator=authenticator,
        subject=gettext_lazy("New recovery codes for your DPMS account"),
        body=gettext_lazy("New recovery codes were made for your account; the old ones no longer work."),
    )


@receiver(mfa_signals.authenticator_used)
def _used(sender, request, user, authenticator, **kwargs):
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        return
    # The form's copy predates the code's use (allauth marks it on a fresh row): read it again.
    left = len(Authenticator.objects.get(pk=authenticator.pk).wrap().get_unused_codes())
    mfa_change_record(
        user=user,
        action="auth.mfa.recovery_code_used",
        authenticator=authenticator,
        subject=gettext_lazy("A recovery code was used to sign in to your DPMS account"),
        body=lambda person: (
            ngettext(
                "A recovery code was used to sign in; %(left)s unused code is left. Each code works once.",
                "A recovery code was used to sign in; %(left)s unused codes are left. Each code works once.",
                left,
            )
            % {"left": left}
        ),
        extra={"unused_left": left},
    )


@receiver(mfa_signals.authentication_failed)
def _failed(sender, request, user, authenticator, **kwargs):
    from dpms.signals import record_sign_in_failed

    record_sign_in_failed({"email": user.email}, reason="wrong second-factor code")


# --- Admin reset ---------------------------------------------------------------------------------------
def may_reset_mfa(request) -> bool:
    """An admin may reset others' factors only with their own: enrolled, and this session showed it."""
    actor = request.user
    return bool(actor.is_authenticated and actor.is_admin and session_mfa_authenticated(request, actor))


@transaction.atomic
def mfa_reset(*, actor, user) -> int:
    """An admin removes every second factor of ``user`` (a lost phone, a broken key): audited, the person is
    told, and their sessions end, so a person who must have a factor enrols again at their next sign-in.
    Refused (PermissionDenied) unless the actor is an admin with a second factor of their own, and for the
    actor's own account (they change their own factors on their two-factor page). Returns how many factors
    were removed."""
    from dpms.services import end_sessions

    if not (actor.is_active and actor.is_admin):
        raise PermissionDenied(gettext("Only admins reset a person's two-factor authentication."))
    if actor.pk == user.pk:
        raise PermissionDenied(gettext("Change your own factors on your two-factor authentication page."))
    if not mfa_enabled(actor):
        raise PermissionDenied(gettext("Set up your own second factor before resetting anyone else's."))
    factors = list(Authenticator.objects.select_for_update().filter(user=user).order_by("pk"))
    kinds = sorted({factor.type for factor in factors})
    Authenticator.objects.filter(pk__in=[factor.pk for factor in factors]).delete()
    audit.record(action="auth.mfa.reset", actor=actor, obj=user, changes={"removed": kinds})
    notify.notify(
        recipient=user,
        subject=gettext_lazy("Your DPMS two-factor authentication was reset"),
        body=format_lazy(
            gettext_lazy(
                "An administrator ({name}) removed your second factors. Sign in and set up a new one under "
                "Two-factor authentication. If you did not ask for this, tell your security officer at once."
            ),
            name=actor.full_name or actor.email,
        ),
        link=reverse("mfa_index"),
    )
    end_sessions(user)
    return len(factors)
