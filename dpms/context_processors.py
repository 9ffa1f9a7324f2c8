"""What every page needs: the signed-in person's unread count and the navigation (dpms.navigation)."""

from django.db import connection

from dpms import navigation
from dpms.models import Notification


def _unread_count_sql() -> str:
    """One COUNT over the (recipient, read_at) index, written once: every page runs it, and building it with
    the ORM took several times longer than the query itself."""
    meta, quote = Notification._meta, connection.ops.quote_name
    recipient, read_at = meta.get_field("recipient").column, meta.get_field("read_at").column
    return (
        f"SELECT COUNT(*) FROM {quote(meta.db_table)} "  # noqa: S608 - the model's own names, quoted
        f"WHERE {quote(recipient)} = %s AND {quote(read_at)} IS NULL"
    )


_UNREAD_COUNT_SQL: dict[str, str] = {}  # by database vendor


def unread_count(user) -> int:
    """How many of ``user``'s notifications are unread (the header's bell), in one query."""
    sql = _UNREAD_COUNT_SQL.get(connection.vendor)
    if sql is None:
        sql = _UNREAD_COUNT_SQL[connection.vendor] = _unread_count_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return cursor.fetchone()[0]


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_count": unread_count(user),
        "app_nav": navigation.menu(request),
        "app_subnav": navigation.section_links(request),
    }
