"""Record authentication events raised by Django and allauth in the audit trail.

Sign-in and password flows belong to Django and allauth, which announce them as signals; these receivers
add nothing but the audit event (and the session start time for the absolute lifetime).
"""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from dpms import audit
from dpms.middleware import SIGNED_IN_AT


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = timezone.now().timestamp()
    with transaction.atomic():
        audit.record(action="auth.sign_in", actor=user, obj=user)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        with transaction.atomic():
            audit.record(action="auth.sign_out", actor=user, obj=user)


def record_sign_in_failed(credentials, *, reason: str = "") -> None:
    """A failed sign-in, named by the login tried (the account when it exists); ``reason`` when the attempt
    was refused before the password was checked."""
    from dpms.models import User

    login = (credentials.get("email") or credentials.get("username") or "")[:200]
    user = User.objects.filter(email__iexact=login).first() if login else None
    with transaction.atomic():
        audit.record(
            action="auth.sign_in_failed",
            obj=user,
            object_type="dpms.user",
            object_label=login,
            actor_label=login,
            changes={"reason": reason} if reason else None,
        )


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    record_sign_in_failed(credentials)


@receiver(password_changed)
def _password_changed(sender, request, user, **kwargs):
    with transaction.atomic():
        audit.record(action="auth.password_change", actor=user, obj=user)


@receiver(password_set)
def _password_set(sender, request, user, **kwargs):
    with transaction.atomic():
        audit.record(action="auth.password_set", actor=user, obj=user)


@receiver(password_reset)
def _password_reset(sender, request, user, **kwargs):
    with transaction.atomic():
        audit.record(action="auth.password_reset", actor=user, obj=user)
