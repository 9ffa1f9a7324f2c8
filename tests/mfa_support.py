"""Second factors in tests: the test client's force_login signs a person in with their second factor shown,
and helpers give a person an authenticator app whose codes the test computes (pyotp)."""

import time

import pyotp
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.userkit import user_id_to_str
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

# A fixed secret for the tests' authenticator apps (base32, 160 bits); never used outside tests.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - a test fixture, not a credential


def force_login_with_second_factor() -> None:
    """Make ``Client.force_login`` record a second factor in the session, as allauth does at sign-in.

    The suite's thousands of page tests sign personas in with ``force_login``: they test pages, not sign-in,
    and stand for a person who signed in completely. The MFA tests sign in through the real forms, or call
    ``forget_second_factor`` to test a session that never showed one."""
    if getattr(Client.force_login, "_with_second_factor", False):
        return
    plain = Client.force_login

    def force_login(self, user, backend=None):
        plain(self, user, backend)
        session = self.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time(), "type": "test"}]
        session["account_authentication_methods_user"] = user_id_to_str(user)
        session.save()

    force_login._with_second_factor = True  # type: ignore[attr-defined]
    Client.force_login = force_login  # type: ignore[method-assign]


def forget_second_factor(client) -> None:
    """The client's session as if it signed in with a password only (no second factor shown)."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "password", "at": time.time()}]
    session.save()


def give_totp(user, secret: str = TEST_TOTP_SECRET) -> pyotp.TOTP:
    """Give ``user`` an authenticator app with ``secret``; returns the app (its ``now()`` is a valid code)."""
    TOTP.activate(user, secret)
    return pyotp.TOTP(secret)


_handed_out: set[tuple[str, str]] = set()


def unused_code(user, secret: str = TEST_TOTP_SECRET) -> str:
    """A valid code this test run has not typed yet for ``user``: now's, else the next or the last window's
    (the tolerance is one step), since a code works once and a test may sign the same person in twice."""
    app = pyotp.TOTP(secret)
    person = f"{user.pk}:{user.date_joined.timestamp()}"  # the same id in another test is someone else
    now = time.time()
    for moment in (now, now + app.interval, now - app.interval):
        code = app.at(moment)
        if (person, code) not in _handed_out:
            _handed_out.add((person, code))
            return code
    raise AssertionError("three sign-ins with codes within one minute: wait for the next window")


def has_factor(user) -> bool:
    return Authenticator.objects.filter(user=user).exists()
