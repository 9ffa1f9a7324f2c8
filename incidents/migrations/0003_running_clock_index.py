"""An index of the breaches whose authority clock runs (a handful among every incident ever reported), by
deadline: the running-clocks panel reads its nearest ten and its count from it instead of every incident."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_queue_order_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["authority_deadline", "id"],
                condition=models.Q(authority_decision="", is_breach=True),
                name="incident_running_clock",
            ),
        ),
    ]
