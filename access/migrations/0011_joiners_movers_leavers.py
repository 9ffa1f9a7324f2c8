"""Joiners, movers and leavers: birthright rules (team → roles), the leaver flag on revocation tasks and
its index, findings about a person (a leaver's access still open), systems that revoke leavers at once, and
the grant source "birthright"."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0010_list_indexes"),
        ("dpms", "0012_audit_sources_scim_sso"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BirthrightRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["team__name", "role__system__name", "role__name"],
            },
        ),
        migrations.AddField(
            model_name="finding",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="revocationtask",
            name="leaver",
            field=models.BooleanField(
                default=False, help_text="Opened because the holder left (was deactivated)."
            ),
        ),
        migrations.AddField(
            model_name="system",
            name="auto_revoke_leavers",
            field=models.BooleanField(
                default=False,
                verbose_name="revoke leavers' access at once",
                help_text="When a person leaves, their access here is revoked at once (the system follows the register, e.g. through the directory), instead of a revocation task for the owner.",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="kind",
            field=models.CharField(
                choices=[
                    ("too_many_privileged", "More privileged holders than allowed"),
                    ("revoked_still_present", "Revoked but still present"),
                    ("absent_from_import", "Absent from the latest full import"),
                    ("leaver_access_open", "Leaver access still open"),
                ],
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="system",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="findings",
                to="access.system",
            ),
        ),
        migrations.AlterField(
            model_name="grant",
            name="source",
            field=models.CharField(
                choices=[
                    ("manual", "Manual"),
                    ("request", "Access request"),
                    ("import", "Import"),
                    ("portal", "Portal role"),
                    ("birthright", "Birthright of the team"),
                ],
                default="manual",
                max_length=12,
            ),
        ),
        migrations.AddIndex(
            model_name="revocationtask",
            index=models.Index(
                condition=models.Q(("leaver", True), ("status", "open")),
                fields=["due_at"],
                name="open_leaver_tasks",
            ),
        ),
        migrations.AddConstraint(
            model_name="finding",
            constraint=models.UniqueConstraint(
                condition=models.Q(("person__isnull", False), ("resolved_at__isnull", True)),
                fields=("kind", "person"),
                name="one_open_finding_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="finding",
            constraint=models.CheckConstraint(
                condition=models.Q(("system__isnull", False), ("person__isnull", False), _connector="OR"),
                name="finding_has_a_subject",
            ),
        ),
        migrations.AddField(
            model_name="birthrightrule",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="birthrightrule",
            name="role",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="birthright_rules", to="access.role"
            ),
        ),
        migrations.AddField(
            model_name="birthrightrule",
            name="team",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="birthright_rules", to="dpms.team"
            ),
        ),
        migrations.AddConstraint(
            model_name="birthrightrule",
            constraint=models.UniqueConstraint(
                fields=("team", "role"), name="one_birthright_per_team_and_role"
            ),
        ),
    ]
