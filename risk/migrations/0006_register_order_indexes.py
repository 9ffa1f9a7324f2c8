"""Indexes for the risk register's orders, so a page is read from an index instead of sorting every risk:
by reference (length, then text: R-0042 after R-042), the default, and by title."""

from django.db import migrations, models
from django.db.models.functions import Length


class Migration(migrations.Migration):
    dependencies = [("risk", "0005_default_categories")]

    operations = [
        migrations.AddIndex(
            model_name="risk",
            index=models.Index(Length("reference"), "reference", name="risk_register_reference_order"),
        ),
        migrations.AddIndex(
            model_name="risk",
            index=models.Index(fields=["title", "id"], name="risk_register_title_order"),
        ),
    ]
