"""Business actions on people: invite, update, deactivate, accept an invitation; notification reads; their
personal access tokens for the API."""

import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from dpms import audit, notify, portal, tokens
from dpms.models import ApiRequest, ApiToken, Notification, Team, User, Webhook
from dpms.passwords import is_break_glass

USER_FIELDS = (
    "email",
    "full_name",
    "manager_id",
    "team_id",
    "job_title",
    "time_zone",
    "language",
    "is_active",
)


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Single-use invitation links: the token covers the password hash, so it dies once a password is set."""

    key_salt = "dpms.invitation"

    def check_token(self, user, token):
        """Django's check, but links live INVITATION_VALID_DAYS (Django's own uses PASSWORD_RESET_TIMEOUT)."""
        from django.utils.crypto import constant_time_compare
        from django.utils.http import base36_to_int

        try:
            timestamp = base36_to_int(token.split("-")[0])
        except (AttributeError, ValueError):
            return False
        if (
            user is None
            or self._num_seconds(self._now()) - timestamp > settings.INVITATION_VALID_DAYS * 86400
        ):
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()


def _snapshot(user: User) -> dict:
    return {field: getattr(user, field) for field in USER_FIELDS}


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("invitation_accept", args=[uid, invitation_tokens.make_token(user)])


@transaction.atomic
def user_invite(
    *,
    actor,
    email: str,
    full_name: str,
    manager=None,
    team=None,
    job_title: str = "",
    roles=(),
    invite: bool = True,
) -> User:
    """Create an account without a password (a joiner) and, with ``invite``, email an invitation link to set
    one; ``invite=False`` for people who sign in through single sign-on and never need a password here.

    Every creation (the admin, ``invite_user``, the API, SCIM, SSO just-in-time) comes through here, so every
    joiner is welcomed and told to the domain apps alike (``dpms.portal.person_joined``: e.g. the birthright
    grants of their team). ``actor`` is None when a system creates the person (SCIM, SSO).
    """
    user = User.objects.create_user(
        email=email, full_name=full_name, manager=manager, team=team, job_title=job_title
    )
    if roles:
        from django.contrib.auth.models import Group

        user.groups.set(Group.objects.filter(name__in=roles))
    audit.record(
        action="people.user.invite",
        actor=actor,
        obj=user,
        changes={"created": _snapshot(user), "roles": sorted(roles), "invitation_sent": invite},
    )
    if roles:
        portal.roles_changed(user=user, actor=actor)
    _welcome(user)
    portal.person_joined(user=user, actor=actor)  # e.g. access: the birthright grants of their team
    if invite:
        user_send_invitation(actor=actor, user=user)
    return user


def _welcome(user: User) -> None:
    """The joiner's welcome, in the portal only: they read it at their first sign-in (the invitation is their
    one email; an SSO joiner gets none)."""
    notify.notify(
        recipient=user,
        subject=gettext_lazy("Welcome to DPMS"),
        body=gettext_lazy(
            "DPMS is where your access to the company's systems is requested, reviewed and recorded, and "
            "where data protection risks and incidents are reported."
        ),
        link=reverse("home"),
        dedup_key=f"welcome:{user.pk}",
        send_email=False,
    )


@transaction.atomic
def user_send_invitation(*, actor, user: User) -> None:
    """(Re)send the invitation email; each sending has its own link and outbox row.

    In SSO-only mode nobody but a break-glass account may set a password (the link would be refused): the
    invitation then says to sign in with the company account, and carries no link to set a password.
    """
    if settings.SSO_ONLY and not is_break_glass(user.email):
        how = format_lazy(
            gettext_lazy("Sign in with your company account (single sign-on) here:\n\n{url}"),
            url=f"{settings.SITE_URL}{reverse('account_login')}",
        )
    else:
        how = format_lazy(
            gettext_lazy("Set your password here within {days} days:\n\n{url}"),
            days=settings.INVITATION_VALID_DAYS,
            url=f"{settings.SITE_URL}{invitation_link(user)}",
        )
    notify.email(
        to=user.email,
        recipient=user,
        subject=gettext_lazy("You are invited to DPMS"),
        body=format_lazy(
            gettext_lazy(
                "Hello {name},\n\nan account was created for you in DPMS, the data protection portal. "
                "{how}\n\nIf you did not expect this, ignore this message."
            ),
            name=user.get_short_name(),
            how=how,
        ),
        dedup_key=f"invitation:{user.pk}:{timezone.now().timestamp()}",
    )
    if actor is not None:
        audit.record(action="people.user.send_invitation", actor=actor, obj=user)


@transaction.atomic
def invitation_accept(*, user: User, token: str, password: str) -> None:
    """Set the first password from an invitation link, under the password policy."""
    # Lock the row: two submissions of the same link must not both succeed.
    user = User.objects.select_for_update().get(pk=user.pk)
    if not invitation_tokens.check_token(user, token):
        raise PermissionError("This invitation link is no longer valid.")
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(action="auth.invitation_accept", actor=user, obj=user)


@transaction.atomic
def user_update(*, actor, user: User, **fields) -> User:
    """Change a person's details. ``is_active`` among them goes through ``user_deactivate`` or
    ``user_reactivate``, so a deactivation from any source (SCIM's ``active: false`` included) runs the
    leaver steps."""
    active = fields.pop("is_active", None)
    if fields:
        user = _update_details(actor=actor, user=user, fields=fields)
    if active is not None and bool(active) != user.is_active:
        user = user_reactivate(actor=actor, user=user) if active else user_deactivate(actor=actor, user=user)
    return user


@transaction.atomic
def user_set_preferences(*, user: User, language: str, time_zone: str) -> User:
    """A person's own choice of language and time zone (empty: the browser's language, the installation's
    zone), audited as a change of their details made by themselves. Nothing changed, nothing recorded."""
    if (user.language, user.time_zone) == (language, time_zone):
        return user
    return _update_details(actor=user, user=user, fields={"language": language, "time_zone": time_zone})


def _update_details(*, actor, user: User, fields: dict) -> User:
    before = _snapshot(user)
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save()
    if user.email != before["email"]:
        _sync_login_email(user)
    audit.record(
        action="people.user.update", actor=actor, obj=user, changes=audit.diff(before, _snapshot(user))
    )
    if (user.manager_id, user.team_id) != (before["manager_id"], before["team_id"]):
        # The mover event on its own, so the officers' dashboard counts movers by one indexed action.
        audit.record(
            action="people.user.move",
            actor=actor,
            obj=user,
            changes={
                "manager_id": [before["manager_id"], user.manager_id],
                "team_id": [before["team_id"], user.team_id],
            },
        )
    portal.person_changed(user=user, before=before, actor=actor)  # e.g. access: a mover review
    return user


def _sync_login_email(user: User) -> None:
    """allauth signs people in by any of their EmailAddress rows: after an admin changes the email, the old
    address must stop working and the new one is the only, primary, address."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": True}
    )


@transaction.atomic
def user_set_roles(*, actor, user: User, roles) -> User:
    """Set a person's portal roles (group names) and record who gained or lost which role.

    An admin cannot take the admin role away from themselves, so an installation never loses its last way in
    by accident.
    """
    from django.contrib.auth.models import Group
    from django.core.exceptions import ValidationError

    from dpms.models import PortalRole

    wanted = {str(role) for role in roles}
    unknown = wanted - set(PortalRole.values)
    if unknown:
        raise ValidationError(
            gettext("Unknown portal role: %(roles)s.") % {"roles": ", ".join(sorted(unknown))}
        )
    held = set(user.groups.filter(name__in=PortalRole.values).values_list("name", flat=True))
    if held == wanted:
        return user
    if actor is not None and actor.pk == user.pk and PortalRole.ADMIN in held - wanted:
        raise PermissionError(gettext("You cannot remove your own admin role."))
    user.groups.remove(*Group.objects.filter(name__in=held - wanted))
    user.groups.add(*Group.objects.filter(name__in=wanted - held))
    user._role_cache = None
    audit.record(
        action="people.user.roles", actor=actor, obj=user, changes={"roles": [sorted(held), sorted(wanted)]}
    )
    portal.roles_changed(user=user, actor=actor)  # e.g. access: the portal's own grants follow the roles
    return user


def end_sessions(user: User) -> int:
    """Delete every session of ``user`` (allauth's user sessions keep the index of them)."""
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session

    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    UserSession.objects.filter(user=user).delete()
    deleted, _ = Session.objects.filter(session_key__in=keys).delete()
    return deleted


def end_api_tokens(*, user: User, actor, now) -> int:
    """Revoke every API token of ``user`` still usable: one update, however many they have."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).update(
        revoked_at=now, revoked_by=actor if getattr(actor, "pk", None) else None
    )


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Deactivate a person (a leaver): their sessions and API tokens end at once, and the domain apps are told
    (``dpms.portal.person_left``: e.g. access opens a revocation task for every grant they hold). ``actor``
    is None when a system deactivates them (SCIM)."""
    if actor is not None and actor.pk == user.pk:
        raise PermissionError("You cannot deactivate yourself.")
    # Lock the row: two deactivations at once (the admin and SCIM) run the leaver steps once.
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    now = timezone.now()
    user.is_active = False
    user.deactivated_at = now
    user.save(update_fields=["is_active", "deactivated_at"])
    ended = end_sessions(user)
    tokens = end_api_tokens(user=user, actor=actor, now=now)
    # The apps first, the audit event after: a listener may lock rows (access locks the leaver's open review
    # campaigns) that a campaign close locks before it appends to the audit trail; taking the trail's head
    # first here would let the two wait for each other.
    portal.person_left(user=user, actor=actor)  # e.g. access: revocation tasks for every grant
    audit.record(
        action="people.user.deactivate",
        actor=actor,
        obj=user,
        changes={"is_active": [True, False], "sessions_ended": ended, "api_tokens_revoked": tokens},
    )
    return user


@transaction.atomic
def user_reactivate(*, actor, user: User) -> User:
    """Let a person sign in again. Nothing they lost as a leaver comes back by itself: grants revoked stay
    revoked, API tokens stay revoked; access is requested again like a joiner's."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    audit.record(action="people.user.reactivate", actor=actor, obj=user, changes={"is_active": [False, True]})
    return user


def notifications_mark_read(*, user: User, ids=None) -> int:
    """Mark a person's notifications read (all unread ones when ``ids`` is None). Not audited: no evidence."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


# --- Personal access tokens for the REST API ------------------------------------------------------------
@transaction.atomic
def api_token_create(
    *, actor: User, name: str, days: int, read_only: bool = True, allowed_networks=()
) -> tuple[ApiToken, str]:
    """Create a token for ``actor`` (always their own); returns it with its text, which is shown once and
    never stored. ``days`` from 1 to API_TOKEN_MAX_DAYS; networks are CIDR texts, normalised."""
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValueError(f"A token lives from 1 to {settings.API_TOKEN_MAX_DAYS} days.")
    networks = [str(ipaddress.ip_network(network, strict=False)) for network in allowed_networks]
    prefix, hashed, text = tokens.new_token(tokens.API_TOKEN_START)
    token = ApiToken.objects.create(
        user=actor,
        name=name.strip(),
        prefix=prefix,
        secret_hash=hashed,
        read_only=read_only,
        allowed_networks=networks,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(
        action="people.api_token.create",
        actor=actor,
        obj=token,
        changes={
            "name": token.name,
            "read_only": read_only,
            "expires_at": token.expires_at.isoformat(),
            "allowed_networks": networks,
        },
    )
    return token, text


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token at once (its owner, or a security officer). Revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        action="people.api_token.revoke",
        actor=actor,
        obj=token,
        changes={"owner": token.user.email, "revoked_at": token.revoked_at.isoformat()},
    )
    return token


def api_token_used(*, token: ApiToken, client_ip: str | None, now) -> None:
    """Note when and from where a token was last used: at most once a minute per token (not audited; the
    writes it makes are, and its request history lists them)."""
    if (
        token.last_used_at
        and now - token.last_used_at < timedelta(minutes=1)
        and token.last_used_ip == client_ip
    ):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=client_ip)


def api_request_record(
    *, token: ApiToken, method: str, path: str, status: int, client_ip, request_id, after_sequence: int | None
) -> None:
    """One line of a token's request history: a write it made. Its audit events carry the request id and
    lie after ``after_sequence`` (the chain's head when the request began; None: refused before it began,
    so none) up to the head now."""
    from dpms.queries import audit_head_sequence

    head = audit_head_sequence()
    ApiRequest.objects.create(
        token=token,
        method=method,
        path=path[:500],
        status=status,
        client_ip=client_ip,
        request_id=request_id,
        after_sequence=head if after_sequence is None else after_sequence,
        upto_sequence=head,
    )


# --- Outgoing webhooks (security officers) ------------------------------------------------------------------
def _webhook_snapshot(hook: Webhook) -> dict:
    return {"name": hook.name, "url": hook.url, "events": sorted(hook.events), "enabled": hook.enabled}


@transaction.atomic
def webhook_create(*, actor: User, name: str, url: str, events) -> Webhook:
    """A new webhook with a fresh secret (shown to officers on its page; never in the audit trail). The
    address is checked first (``dpms.webhook_delivery.check_url``: https, public)."""
    from dpms.webhook_delivery import check_url

    check_url(url)
    hook = Webhook.objects.create(
        name=name.strip(),
        url=url,
        events=sorted(set(events)),
        secret=secrets.token_urlsafe(32),
        created_by=actor,
    )
    audit.record(action="webhooks.webhook.create", actor=actor, obj=hook, changes=_webhook_snapshot(hook))
    return hook


@transaction.atomic
def webhook_update(*, actor: User, hook: Webhook, name: str, url: str, events, enabled: bool) -> Webhook:
    """Change a webhook; turning it on again starts its count of failures afresh."""
    from dpms.webhook_delivery import check_url

    check_url(url)
    hook = Webhook.objects.select_for_update().get(pk=hook.pk)
    before = _webhook_snapshot(hook)
    hook.name, hook.url, hook.events, hook.enabled = name.strip(), url, sorted(set(events)), enabled
    if enabled and not before["enabled"]:
        hook.failures_in_a_row, hook.disabled_reason = 0, ""
    hook.save()
    after = _webhook_snapshot(hook)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        audit.record(action="webhooks.webhook.update", actor=actor, obj=hook, changes=changes)
    return hook


@transaction.atomic
def webhook_rotate_secret(*, actor: User, hook: Webhook) -> Webhook:
    """A new secret at once: deliveries from now on are signed with it."""
    hook = Webhook.objects.select_for_update().get(pk=hook.pk)
    hook.secret = secrets.token_urlsafe(32)
    hook.save(update_fields=["secret"])
    audit.record(
        action="webhooks.webhook.rotate_secret", actor=actor, obj=hook, changes={"secret": "rotated"}
    )
    return hook


@transaction.atomic
def webhook_delete(*, actor: User, hook: Webhook) -> None:
    """Remove a webhook and its delivery log."""
    audit.record(action="webhooks.webhook.delete", actor=actor, obj=hook, changes=_webhook_snapshot(hook))
    hook.delete()


# --- Teams ------------------------------------------------------------------------------------------------
@transaction.atomic
def team_create(*, actor: User | None, name: str, description: str = "") -> Team:
    """A new team (names are unique, whatever their case)."""
    from django.core.exceptions import ValidationError

    name = " ".join(name.split())
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": gettext("There is a team called %(name)s already.") % {"name": name}})
    team = Team.objects.create(name=name, description=description.strip())
    audit.record(action="people.team.create", actor=actor, obj=team, changes={"name": name})
    return team


@transaction.atomic
def team_update(*, actor: User | None, team: Team, **fields) -> Team:
    """Rename a team or change its description."""
    from django.core.exceptions import ValidationError

    team = Team.objects.select_for_update().get(pk=team.pk)
    before = {"name": team.name, "description": team.description}
    if "name" in fields:
        fields["name"] = " ".join(fields["name"].split())
        if Team.objects.filter(name__iexact=fields["name"]).exclude(pk=team.pk).exists():
            raise ValidationError(
                {"name": gettext("There is a team called %(name)s already.") % {"name": fields["name"]}}
            )
    for name, value in fields.items():
        setattr(team, name, value)
    team.full_clean()
    team.save()
    after = {"name": team.name, "description": team.description}
    audit.record(action="people.team.update", actor=actor, obj=team, changes=audit.diff(before, after))
    return team
