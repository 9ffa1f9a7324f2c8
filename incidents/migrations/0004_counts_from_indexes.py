"""The queue's count and the dashboard's incident counts read an index only (PostgreSQL, once vacuumed):
the running clocks' index carries who may see each clock, and a new index of the incidents by status carries
who may see each, its severity and whether it is acknowledged. SQLite has no INCLUDE: there the columns
are left out of the first and the second is an ordinary index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_running_clock_index")]

    operations = [
        migrations.RemoveIndex(model_name="incident", name="incident_running_clock"),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["authority_deadline", "id"],
                condition=models.Q(authority_decision="", is_breach=True),
                include=["status", "confidential", "handler"],
                name="incident_running_clock",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                fields=["status", "severity", "confidential", "handler", "reported_by", "id"],
                include=["acknowledged_at"],
                name="incident_visible_by_status",
            ),
        ),
    ]
