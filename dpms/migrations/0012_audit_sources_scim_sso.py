"""Audit events may come from SCIM provisioning and single sign-on (just-in-time creation) too."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dpms", "0011_webhooks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="source",
            field=models.CharField(
                choices=[
                    ("web", "Web"),
                    ("api", "API"),
                    ("task", "Background task"),
                    ("cli", "Command line"),
                    ("scim", "SCIM provisioning"),
                    ("sso", "Single sign-on"),
                ],
                default="web",
                max_length=10,
            ),
        ),
    ]
