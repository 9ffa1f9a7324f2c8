"""Reads of the SCIM connections' pages: who may manage them, the list with its counts, one connection's
latest requests. Each read runs a fixed number of queries whatever the data size."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import get_object_or_404

from directory.models import DirectoryGroup, DirectoryUser, ScimConnection, ScimRequest

LATEST_REQUESTS = 100


def may_manage_connections(user) -> bool:
    """Admins connect identity providers: a connection changes people, teams and portal roles."""
    return bool(user.is_authenticated and user.is_admin)


def _count(model, **filters):
    rows = model.objects.filter(connection=OuterRef("pk"), **filters).order_by().values("connection")
    return Subquery(rows.annotate(n=Count("pk")).values("n")[:1])


def connections_for(user):
    """Every connection with its counts of people, groups and changes (one query)."""
    if not may_manage_connections(user):
        raise PermissionDenied("SCIM connections are managed by admins.")
    return ScimConnection.objects.annotate(
        user_count=_count(DirectoryUser),
        group_count=_count(DirectoryGroup),
        change_count=_count(ScimRequest, changed=True),
    ).order_by("name")


def connection_for(user, pk) -> ScimConnection:
    return get_object_or_404(connections_for(user), pk=pk)


def latest_requests(connection: ScimConnection):
    """The connection's latest requests, newest first."""
    return ScimRequest.objects.filter(connection=connection).order_by("-at", "-pk")[:LATEST_REQUESTS]
