"""Uploaded import files wait in ImportJob rows (not in the session) while Celery checks and applies them."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0007_evidence_in_chunks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uploaded_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("filename", models.CharField(max_length=255)),
                ("sha256", models.CharField(max_length=64)),
                (
                    "full",
                    models.BooleanField(
                        default=False, help_text="A full export of its systems: absent grants are flagged."
                    ),
                ),
                ("size", models.PositiveIntegerField(default=0, help_text="Bytes uploaded.")),
                ("content", models.BinaryField()),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("checking", "Being checked"),
                            ("checked", "Checked: waiting for confirmation"),
                            ("check_failed", "Problems found: nothing can be imported"),
                            ("applying", "Being imported"),
                            ("applied", "Imported"),
                            ("failed", "Not imported"),
                        ],
                        default="checking",
                        max_length=12,
                    ),
                ),
                (
                    "phase",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("reading", "Reading the file"),
                            ("looking_up", "Looking up people, systems and grants"),
                            ("comparing", "Comparing with the register"),
                            ("writing", "Writing the new grants"),
                            ("updating", "Updating last-seen dates, flags and findings"),
                            ("auditing", "Writing the audit trail"),
                        ],
                        max_length=12,
                    ),
                ),
                ("done", models.PositiveIntegerField(default=0)),
                ("total", models.PositiveIntegerField(default=0)),
                ("progress_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "attempts",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Runs of the current step's task (a lost one is sent again, a few times).",
                    ),
                ),
                ("result", models.JSONField(blank=True, default=dict)),
                ("error", models.TextField(blank=True)),
                ("checked_at", models.DateTimeField(blank=True, null=True)),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "batch",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="job",
                        to="access.importbatch",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-uploaded_at", "-pk"],
                "indexes": [
                    models.Index(fields=["uploaded_by", "state"], name="import_job_by_uploader"),
                    models.Index(fields=["state", "progress_at"], name="import_job_by_state"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("batch__isnull", True), ("state", "applied"), _connector="OR"),
                        name="import_job_batch_only_when_applied",
                    )
                ],
            },
        ),
    ]
