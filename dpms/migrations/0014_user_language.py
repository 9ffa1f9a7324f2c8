"""A person's language (``User.language``): empty for everyone until they choose, which keeps their
browser's language on pages and the installation's in e-mails."""

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
            ),
        ),
    ]
