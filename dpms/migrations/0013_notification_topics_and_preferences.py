"""Notifications name what they ask of the person (``topic``) and are marked done when it is settled;
each person chooses which kinds of notification also come by email.

The notifications written before name no topic: those whose key says what they were about (a campaign's
review reminders, an incident's notices) are given theirs, so closing the campaign or the incident
withdraws them too. The others keep working as they were.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The key prefixes the services have always used, and the topic each names (its id is the key's second part).
TOPICS = {
    "access-reminder:": "access.reviewcampaign",
    "access-escalation:": "access.reviewcampaign",
    "incident-handler:": "incidents.incident",
    "escalation:": "incidents.incident",
}


def name_topics(apps, schema_editor):
    notification = apps.get_model("dpms", "Notification")
    for prefix, label in TOPICS.items():
        rows = notification.objects.filter(dedup_key__startswith=prefix).only("pk", "dedup_key")
        batch = []
        for row in rows.iterator(chunk_size=2000):
            row.topic = f"{label}:{row.dedup_key.split(':')[1]}"
            batch.append(row)
            if len(batch) == 2000:
                notification.objects.bulk_update(batch, ["topic"])
                batch = []
        notification.objects.bulk_update(batch, ["topic"])


class Migration(migrations.Migration):
    dependencies = [
        ("dpms", "0012_audit_sources_scim_sso"),
    ]

    operations = [
        migrations.CreateModel(
            name="NotificationPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=40)),
                ("email", models.BooleanField(default=True)),
            ],
        ),
        migrations.AddField(
            model_name="notification",
            name="done_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="topic",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("done_at", None)), fields=["topic"], name="notification_open_topic"
            ),
        ),
        migrations.AddField(
            model_name="notificationpreference",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notification_preferences",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="notificationpreference",
            constraint=models.UniqueConstraint(fields=("user", "kind"), name="one_preference_per_kind"),
        ),
        migrations.RunPython(name_topics, migrations.RunPython.noop, elidable=True),
    ]
