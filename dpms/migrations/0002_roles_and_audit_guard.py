"""Portal role groups, the audit chain head, and on PostgreSQL a trigger that refuses UPDATE/DELETE on the trail."""

from django.db import migrations

ROLES = ("security officer", "auditor", "admin")

PG_GUARD = """
CREATE OR REPLACE FUNCTION dpms_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'dpms_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS dpms_audit_append_only ON dpms_auditevent;
CREATE TRIGGER dpms_audit_append_only BEFORE UPDATE OR DELETE ON dpms_auditevent
    FOR EACH ROW EXECUTE FUNCTION dpms_audit_append_only();
"""
PG_UNGUARD = """
DROP TRIGGER IF EXISTS dpms_audit_append_only ON dpms_auditevent;
DROP FUNCTION IF EXISTS dpms_audit_append_only();
"""


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    apps.get_model("dpms", "AuditChainHead").objects.get_or_create(pk=1)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_GUARD, params=None)  # None: the % in RAISE is not a placeholder


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UNGUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("dpms", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
