"""The audit trail keeps the indexes it reads through: the object type alone is served by the (type, id)
index, and the hash stays unique without a pattern-matching index nobody searches. Each index is written
again by every appended event (20,000 for one import)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dpms", "0005_user_by_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="object_type",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("hash",), name="audit_event_hash_unique"),
        ),
    ]
