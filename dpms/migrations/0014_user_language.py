"""A person's language (``User.language``): empty for everyone until they choose, which keeps their
browser's language on pages and the installation's in e-mails. The other fields get names a page can show in
the reader's language (the audit trail's change lines, the admin); the columns do not change."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dpms", "0013_notification_topics_and_preferences"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("de", "Deutsch")],
                help_text="Empty: the browser's language, else the installation's.",
                max_length=8,
                verbose_name="language",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="date_joined",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="joined"),
        ),
        migrations.AlterField(
            model_name="user",
            name="deactivated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="deactivated"),
        ),
        migrations.AlterField(
            model_name="user",
            name="email",
            field=models.EmailField(max_length=254, unique=True, verbose_name="email address"),
        ),
        migrations.AlterField(
            model_name="user",
            name="full_name",
            field=models.CharField(max_length=200, verbose_name="full name"),
        ),
        migrations.AlterField(
            model_name="user",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="active"),
        ),
        migrations.AlterField(
            model_name="user",
            name="job_title",
            field=models.CharField(blank=True, max_length=120, verbose_name="job title"),
        ),
        migrations.AlterField(
            model_name="user",
            name="manager",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="reports",
                to=settings.AUTH_USER_MODEL,
                verbose_name="manager",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="members",
                to="dpms.team",
                verbose_name="team",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="time_zone",
            field=models.CharField(
                blank=True,
                help_text="Empty: the installation's TIME_ZONE.",
                max_length=64,
                verbose_name="time zone",
            ),
        ),
    ]
