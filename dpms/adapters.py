"""django-allauth adapter: no open sign-up, and failed sign-ins limited per account and address."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit as _ratelimit


class AccountAdapter(DefaultAccountAdapter):
    """Admins create accounts (and SSO, later); nobody signs themselves up.

    Failed sign-ins: allauth's ``login_failed`` limit is keyed here on the pair (account, address), so the
    6th attempt within the window on one account from one address is refused, while a colleague behind the
    same address and the account's owner elsewhere still sign in. ``login_failed_wide`` adds looser limits per
    address (password spraying) and per account (distributed guessing). Successful sign-ins roll back their
    consumption, as allauth does, so only failures count. Everything expires by itself.
    """

    def is_open_for_signup(self, request):
        return False

    def _get_login_attempts_cache_key(self, request, **credentials):
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}|{_ratelimit.get_ip(request)}"

    def pre_authenticate(self, request, **credentials):
        account = super()._get_login_attempts_cache_key(request, **credentials)
        self._wide_usage = _ratelimit.consume(
            request, app="allauth.account", action="login_failed_wide", key=account
        )
        if not self._wide_usage:
            raise self.validation_error("too_many_login_attempts")
        try:
            super().pre_authenticate(request, **credentials)
        except Exception:
            self._wide_usage.rollback()
            raise

    def _rollback_login_failed_rl_usage(self):
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_wide_usage", None)
        if usage:
            usage.rollback()

    def get_client_ip(self, request):
        from dpms.middleware import client_ip

        return client_ip(request) or "0.0.0.0"  # noqa: S104 - a placeholder key, not a bind address
