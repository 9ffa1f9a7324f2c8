"""The test harness's ways past the audit trail's guard (dpms/migrations/0008_audit_integrity.py). Test-only:
nothing outside tests/ uses them.

- ``flush_past_the_audit_guard``: pytest-django empties the database after each transactional test with
  Django's ``flush``: TRUNCATE on PostgreSQL, which the guard refuses, and DELETE on SQLite, which its
  triggers refuse. Installed once by tests/conftest.py, it makes the flush set
  ``SET LOCAL dpms.audit_maintenance = 'on'`` first on PostgreSQL (the guard's function honours it in a
  database named ``test_...`` only), and drop the triggers around the deletes on SQLite, inside the flush's
  own transaction.
- ``guard_lifted``: what a tampering test does as a determined insider would, as the tables' owner: switch
  the triggers off (PostgreSQL) or drop them (SQLite), tamper, and put them back.
"""

from contextlib import contextmanager
from importlib import import_module

from django.db import connection, transaction

AUDIT_TABLES = ("dpms_auditevent", "dpms_auditchainhead")
AUDIT_MAINTENANCE_ON = "SET LOCAL dpms.audit_maintenance = 'on'"


def _sqlite_triggers() -> dict[str, str]:
    return import_module("dpms.migrations.0008_audit_integrity").SQLITE_TRIGGERS


def _drop_sqlite_triggers() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in _sqlite_triggers()]


def _create_sqlite_triggers() -> list[str]:
    return list(_sqlite_triggers().values())


def flush_past_the_audit_guard() -> None:
    """Make Django's ``flush`` (the SQL ``sql_flush`` returns) empty the audit tables despite the guard, on
    the database backend in use (every connection to it, in every thread, shares its operations class)."""
    operations = type(connection.ops)
    original = operations.sql_flush
    postgres = connection.vendor == "postgresql"

    def sql_flush(self, style, tables, **options):
        statements = original(self, style, tables, **options)
        if not statements or not set(AUDIT_TABLES) & set(tables):
            return statements
        if postgres:
            return [AUDIT_MAINTENANCE_ON, *statements]
        return [*_drop_sqlite_triggers(), *statements, *_create_sqlite_triggers()]

    operations.sql_flush = sql_flush  # type: ignore[method-assign]


@contextmanager
def guard_lifted():
    """Yield ``run(sql, params=())`` that runs SQL with the audit tables' triggers off, as their owner (a
    PostgreSQL superuser here) could; the triggers are back on afterwards."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in AUDIT_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for statement in _drop_sqlite_triggers():
                cursor.execute(statement)
        try:
            yield lambda sql, params=(): cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                for table in AUDIT_TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                for statement in _create_sqlite_triggers():
                    cursor.execute(statement)


@contextmanager
def audit_maintenance():
    """Yield ``run(sql, params=())`` inside a transaction where the test-only TRUNCATE bypass is on
    (PostgreSQL): what the flush does, for a test that truncates the trail as someone using it would."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(AUDIT_MAINTENANCE_ON)
        yield lambda sql, params=(): cursor.execute(sql, params)
