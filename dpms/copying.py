"""Bulk writes through PostgreSQL's COPY, for the foundation's append-heavy tables (audit events, digests'
notifications and emails): rows given as text in COPY's format, several times faster than an INSERT of
thousands of rows, whose values the client quotes into one statement for the server to parse again."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection, models


def copy_text(value) -> str:
    """A value in COPY's text format: NULL is \\N; backslash, tab and line breaks escaped."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(model: type[models.Model], columns: Sequence[str], chunks: Iterable[str]) -> None:
    """COPY ``chunks`` (lines of tab-separated ``copy_text`` values, each ending with a line break) into
    ``model``'s table, in the ``columns`` named. PostgreSQL only. A constraint broken by a row fails the
    whole COPY with Django's error (``IntegrityError``), as it would fail ``bulk_create``."""
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
    )
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(statement) as copy,
    ):
        for chunk in chunks:
            copy.write(chunk)
