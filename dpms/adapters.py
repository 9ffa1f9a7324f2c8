"""django-allauth adapter: no open sign-up, and failed sign-ins limited per account and address."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit as _ratelimit
from django.utils.translation import gettext_lazy

LOCKED_OUT_MESSAGE = gettext_lazy(
    "Too many failed sign-in attempts for this account from your address. Sign-in is paused for a few "
    "minutes; wait and try again, or reset your password."
)


class AccountAdapter(DefaultAccountAdapter):
    """Admins create accounts (and SSO, later); nobody signs themselves up.

    Failed sign-ins (the ``ACCOUNT_RATE_LIMITS`` entries in settings):

    * ``login_failed`` is keyed on the pair (account, address): the 6th attempt within the window on one
      account from one address is refused, even with the right password, while a colleague behind the same
      address and the account's owner elsewhere still sign in.
    * ``login_failed_wide`` adds looser limits per address (password spraying across accounts) and per
      account (guessing from many addresses).

    allauth consumes both before checking the password and rolls the consumption back when the password is
    right, so only failures count; the history lives in the cache (Redis in production, shared by every web
    process) and expires by itself after the window. The account key is the lower-cased email alone, not
    allauth's ``site domain:email``, so a different Host header does not open a fresh allowance.
    A successful password reset clears the (account, address) history of the address that reset it.
    The admin login goes through allauth too (``secure_admin_login`` in dpms/urls.py), so the same applies.
    """

    error_messages = {**DefaultAccountAdapter.error_messages, "too_many_login_attempts": LOCKED_OUT_MESSAGE}

    def is_open_for_signup(self, request):
        return False

    def can_delete_email(self, email_address):
        """The email is the login and is managed by administrators, not by its owner."""
        return False

    @staticmethod
    def _account_key(**credentials):
        return (credentials.get("email") or credentials.get("username") or "").strip().lower()

    def _get_login_attempts_cache_key(self, request, **credentials):
        return f"{self._account_key(**credentials)}|{_ratelimit.get_ip(request)}"

    def pre_authenticate(self, request, **credentials):
        self._wide_usage = _ratelimit.consume(
            request, app="allauth.account", action="login_failed_wide", key=self._account_key(**credentials)
        )
        try:
            if not self._wide_usage:
                raise self.validation_error("too_many_login_attempts")
            super().pre_authenticate(request, **credentials)
        except Exception:
            if self._wide_usage:
                self._wide_usage.rollback()
            self._record_refusal(**credentials)
            raise

    def _rollback_login_failed_rl_usage(self):
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_wide_usage", None)
        if usage:
            usage.rollback()

    @staticmethod
    def _record_refusal(**credentials):
        """A refused attempt never reaches Django's authenticate, so no user_login_failed: record it here."""
        from dpms.signals import record_sign_in_failed

        record_sign_in_failed(credentials, reason="too many failed attempts")

    def get_login_stages(self):
        """allauth's stages, with our second-factor stage in place of allauth.mfa's: a single sign-on whose
        identity provider's second factor is trusted is not asked again (dpms/mfa.py)."""
        return [
            "dpms.mfa.AuthenticateStage" if stage == "allauth.mfa.stages.AuthenticateStage" else stage
            for stage in super().get_login_stages()
        ]

    def get_logout_redirect_url(self, request):
        """After a sign-in through a provider with RP-initiated logout, sign-out ends the provider's session
        too (dpms/sso.py); otherwise back to the sign-in page."""
        from dpms.sso import logout_redirect_url

        return logout_redirect_url(request) or super().get_logout_redirect_url(request)

    def is_reauthentication_required(self, *, app, **kwargs):
        """Setting up or changing a second factor needs a recent sign-in: the sign-in itself counts for its
        first minutes (ACCOUNT_REAUTHENTICATION_TIMEOUT), so a person sent to enrolment is not asked for their
        password again, and one who signed in through single sign-on (no password) can enrol."""
        from allauth.core import context

        from dpms.mfa import signed_in_recently

        if app == "allauth.mfa" and context.request is not None and signed_in_recently(context.request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_client_ip(self, request):
        from dpms.middleware import client_ip

        return client_ip(request) or "0.0.0.0"  # noqa: S104 - a placeholder key, not a bind address
