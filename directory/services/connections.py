"""SCIM connections: admins make one per identity provider, with its bearer token (shown once), rotate the
token, and revoke the connection; each request the provider makes is logged on the connection."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from directory.models import ScimConnection, ScimRequest
from directory.queries.scim import TOKEN_TEXT_START
from dpms import audit, tokens
from dpms.models import User

# Reads (GET) are kept this long in a connection's request log; writes stay (they are its count of changes).
READ_LOG_KEPT = timedelta(days=30)


@transaction.atomic
def connection_create(*, actor: User, name: str) -> tuple[ScimConnection, str]:
    """A new connection and its token text, which is shown once and never stored (only its hash is)."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": gettext("Name the connection (e.g. Okta).")})
    if ScimConnection.objects.filter(name__iexact=name).exists():
        raise ValidationError(
            {"name": gettext("There is a connection called %(name)s already.") % {"name": name}}
        )
    prefix, hashed, text = tokens.new_token(TOKEN_TEXT_START)
    connection = ScimConnection.objects.create(
        name=name, token_prefix=prefix, token_hash=hashed, created_by=actor
    )
    audit.record(action="directory.connection.create", actor=actor, obj=connection, changes={"name": name})
    return connection, text


@transaction.atomic
def connection_rotate_token(*, actor: User, connection: ScimConnection) -> tuple[ScimConnection, str]:
    """A new token at once: the old one stops working with this commit."""
    connection = ScimConnection.objects.select_for_update().get(pk=connection.pk)
    if connection.revoked_at is not None:
        raise ValidationError(gettext("A revoked connection gets no new token."))
    connection.token_prefix, connection.token_hash, text = tokens.new_token(TOKEN_TEXT_START)
    connection.token_created_at = timezone.now()
    connection.save(update_fields=["token_prefix", "token_hash", "token_created_at"])
    audit.record(
        action="directory.connection.rotate_token", actor=actor, obj=connection, changes={"token": "rotated"}
    )
    return connection, text


@transaction.atomic
def connection_revoke(*, actor: User, connection: ScimConnection) -> ScimConnection:
    """Stop a connection: its token no longer works. The people it provisioned stay as they are."""
    connection = ScimConnection.objects.select_for_update().get(pk=connection.pk)
    if connection.revoked_at is not None:
        return connection
    connection.revoked_at, connection.revoked_by = timezone.now(), actor
    connection.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        action="directory.connection.revoke",
        actor=actor,
        obj=connection,
        changes={"revoked_at": connection.revoked_at.isoformat()},
    )
    return connection


def request_record(
    *,
    connection: ScimConnection,
    method: str,
    path: str,
    status: int,
    scim_type: str,
    detail: str,
    request_id: str,
    client_ip: str | None,
) -> ScimRequest:
    """One line of the connection's request log (not audited: the changes a request made are, with its
    request id). Reads older than READ_LOG_KEPT go, so an IdP polling all day does not grow the table
    without end (one indexed delete per request: the same queries on every request)."""
    now = timezone.now()
    changed = method in ("POST", "PUT", "PATCH", "DELETE") and status < 400
    row = ScimRequest.objects.create(
        connection=connection,
        at=now,
        method=method[:10],
        path=path[:500],
        status=status,
        scim_type=(scim_type or "")[:30],
        detail=(detail or "")[:300],
        request_id=request_id[:64],
        client_ip=client_ip,
        changed=changed,
    )
    ScimConnection.objects.filter(pk=connection.pk).update(last_request_at=now)
    ScimRequest.objects.filter(connection=connection, changed=False, at__lt=now - READ_LOG_KEPT).delete()
    return row
