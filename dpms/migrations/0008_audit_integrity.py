"""The verification runs asked for from the portal (``AuditVerification``), and a stronger guard of the audit
trail: TRUNCATE refused on the events and on the chain head (a statement-level trigger: TRUNCATE fires no row
trigger, so until now it emptied the trail unseen), and the chain head protected like the events: never
deleted, and moved only forward, to an event appended with that very hash (which is what ``dpms.audit``'s
append does, the event first and then the head, in one transaction).

PostgreSQL only, for TRUNCATE: the setting ``dpms.audit_maintenance = 'on'`` lets a TRUNCATE through, and only
in a test database (named ``test_...``): it is how the test harness empties the database after a
transactional test (tests/audit_guard.py), and nothing else may use it. On SQLite, which has no TRUNCATE,
the same rules are triggers refusing UPDATE and DELETE of events and DELETE or a step back of the head.

Django rebuilds an SQLite table for most changes of its columns, which drops its triggers: a later migration
that alters these tables must create them again (tests/dpms/test_audit_guard.py checks they are there).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

PG_GUARD = r"""
CREATE OR REPLACE FUNCTION dpms_audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    -- The test harness's way past, and only in a test database (tests/audit_guard.py).
    IF current_setting('dpms.audit_maintenance', true) = 'on' AND current_database() LIKE 'test\_%' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS dpms_audit_no_truncate ON dpms_auditevent;
CREATE TRIGGER dpms_audit_no_truncate BEFORE TRUNCATE ON dpms_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION dpms_audit_refuse_truncate();
DROP TRIGGER IF EXISTS dpms_audit_no_truncate ON dpms_auditchainhead;
CREATE TRIGGER dpms_audit_no_truncate BEFORE TRUNCATE ON dpms_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION dpms_audit_refuse_truncate();

CREATE OR REPLACE FUNCTION dpms_audit_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'dpms_auditchainhead is never removed: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id = OLD.id AND NEW.sequence = OLD.sequence AND NEW.hash = OLD.hash THEN
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id OR NEW.sequence <= OLD.sequence
       OR NEW.hash IS DISTINCT FROM (SELECT hash FROM dpms_auditevent WHERE sequence = NEW.sequence) THEN
        RAISE EXCEPTION 'dpms_auditchainhead moves only forward, to an appended event: UPDATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS dpms_audit_head_forward_only ON dpms_auditchainhead;
CREATE TRIGGER dpms_audit_head_forward_only BEFORE UPDATE OR DELETE ON dpms_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION dpms_audit_head_forward_only();
"""
PG_UNGUARD = """
DROP TRIGGER IF EXISTS dpms_audit_head_forward_only ON dpms_auditchainhead;
DROP FUNCTION IF EXISTS dpms_audit_head_forward_only();
DROP TRIGGER IF EXISTS dpms_audit_no_truncate ON dpms_auditchainhead;
DROP TRIGGER IF EXISTS dpms_audit_no_truncate ON dpms_auditevent;
DROP FUNCTION IF EXISTS dpms_audit_refuse_truncate();
"""

# SQLite runs one statement per call: a list, each trigger by name (tests/audit_guard.py drops and re-creates
# them to empty the test database, as the PostgreSQL setting does there).
SQLITE_TRIGGERS = {
    "dpms_audit_append_only_update": """
        CREATE TRIGGER dpms_audit_append_only_update BEFORE UPDATE ON dpms_auditevent
        BEGIN SELECT RAISE(ABORT, 'dpms_auditevent is append-only: UPDATE refused'); END""",
    "dpms_audit_append_only_delete": """
        CREATE TRIGGER dpms_audit_append_only_delete BEFORE DELETE ON dpms_auditevent
        BEGIN SELECT RAISE(ABORT, 'dpms_auditevent is append-only: DELETE refused'); END""",
    "dpms_audit_head_no_delete": """
        CREATE TRIGGER dpms_audit_head_no_delete BEFORE DELETE ON dpms_auditchainhead
        BEGIN SELECT RAISE(ABORT, 'dpms_auditchainhead is never removed: DELETE refused'); END""",
    "dpms_audit_head_forward_only": """
        CREATE TRIGGER dpms_audit_head_forward_only BEFORE UPDATE ON dpms_auditchainhead
        WHEN NOT (NEW.id = OLD.id AND (
            (NEW.sequence = OLD.sequence AND NEW.hash = OLD.hash)
            OR (NEW.sequence > OLD.sequence
                AND NEW.hash IS (SELECT hash FROM dpms_auditevent WHERE sequence = NEW.sequence))))
        BEGIN
            SELECT RAISE(ABORT, 'dpms_auditchainhead moves only forward, to an appended event: UPDATE refused');
        END""",
}


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_GUARD, params=None)  # None: the % in RAISE is not a placeholder
    elif vendor == "sqlite":
        for name, create in SQLITE_TRIGGERS.items():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(create)


def unguard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UNGUARD, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("dpms", "0007_tickrun"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("queued", "Waiting for a worker"),
                            ("running", "Verifying"),
                            ("ok", "Whole"),
                            ("broken", "Broken"),
                            ("failed", "Could not finish"),
                        ],
                        default="queued",
                        max_length=8,
                    ),
                ),
                ("in_progress", models.BooleanField(default=True, null=True, unique=True)),
                ("progress_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("total", models.PositiveBigIntegerField(default=0)),
                ("checked", models.PositiveBigIntegerField(default=0)),
                ("last_sequence", models.PositiveBigIntegerField(default=0)),
                ("last_hash", models.CharField(blank=True, max_length=64)),
                ("checkpoints_read", models.PositiveIntegerField(default=0)),
                ("checkpoint_sequence", models.PositiveBigIntegerField(blank=True, null=True)),
                ("checkpoint_at", models.DateTimeField(blank=True, null=True)),
                ("checkpoints_note", models.CharField(blank=True, max_length=300)),
                ("bad_sequence", models.PositiveBigIntegerField(blank=True, null=True)),
                ("bad_action", models.CharField(blank=True, max_length=100)),
                ("reason", models.TextField(blank=True)),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-requested_at", "-pk"],
            },
        ),
        migrations.RunPython(guard, unguard),
    ]
