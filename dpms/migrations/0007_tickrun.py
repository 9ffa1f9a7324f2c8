"""The last run of each periodic task, for /healthz and the officers' dashboard (dpms.health)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dpms", "0006_audit_event_fewer_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="TickRun",
            fields=[
                ("name", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("watched_since", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_run_at", models.DateTimeField(blank=True, null=True)),
                ("last_ok_at", models.DateTimeField(blank=True, null=True)),
                ("last_state", models.CharField(blank=True, max_length=20)),
            ],
        ),
    ]
