"""PostgreSQL's plan for a query, read in a test: whether a page's order comes from its index, or whether a
subquery is run again for every row. Only on PostgreSQL (the tests using it ask for ``requires_postgres``)."""

from django.db import connection


def explain(sql: str, params=(), *, analyze: tuple[str, ...] = (), settings: tuple[str, ...] = ()) -> str:
    """The plan of ``sql``, after analyzing ``analyze`` (as autovacuum would: the planner sees the sizes)
    and with ``settings`` (``SET LOCAL``) in force for the test's transaction."""
    with connection.cursor() as cursor:
        for table in analyze:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting}")
        # No parameters: the SQL is run as it is (a captured query has its values written in, % included).
        cursor.execute(f"EXPLAIN {sql}", params or None)
        return "\n".join(row[0] for row in cursor.fetchall())


def index_order_plan(queryset, table: str) -> str:
    """The plan of the first page of ``queryset``'s ids with sequential scans and sorting ruled out: whether
    an index can give this order, whatever the planner's estimates for a few rows. A plan that still sorts
    means the order and the index do not match."""
    sql, params = queryset.values_list("pk", flat=True)[:50].query.sql_with_params()
    return explain(sql, params, analyze=(table,), settings=("enable_seqscan = off", "enable_sort = off"))
