"""Indexes for the incident queue's orders, so a page is read from an index instead of sorting every visible
incident: the default (nearest pending deadline first, then open before closed, untriaged before SEV1..SEV4,
newest first) on the very expressions the queue sorts by (``incidents.models.nearest_deadline_sort``,
``open_rank``, ``severity_rank``); newest or oldest first; by reference (length, then text)."""

import datetime

from django.db import migrations, models
from django.db.models.functions import Coalesce, Least, Length

NO_DEADLINE = datetime.datetime(9999, 1, 1, 0, 0, tzinfo=datetime.UTC)


def pending(deadline, **condition):
    return models.Case(
        models.When(
            models.Q(**condition) & models.Q(**{f"{deadline}__isnull": False}), then=models.F(deadline)
        ),
        default=models.Value(NO_DEADLINE),
        output_field=models.DateTimeField(),
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_incidents")]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                Least(
                    pending("authority_deadline", authority_decision="", is_breach=True),
                    pending("next_escalation_at"),
                    pending("nis2_early_warning_deadline", nis2_early_warning_at__isnull=True),
                    pending("nis2_notification_deadline", nis2_notification_at__isnull=True),
                    pending("nis2_final_report_deadline", nis2_final_report_at__isnull=True),
                    output_field=models.DateTimeField(),
                ),
                models.Case(
                    models.When(
                        status__in=("reported", "triaged", "investigating", "contained", "resolved"),
                        then=models.Value(0),
                    ),
                    default=models.Value(1),
                    output_field=models.IntegerField(),
                ),
                Coalesce("severity", models.Value(0), output_field=models.IntegerField()),
                models.OrderBy(models.F("reported_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="incident_queue_deadline_order",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["reported_at", "id"], name="incident_queue_reported_order"),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(Length("reference"), "reference", name="incident_queue_reference_order"),
        ),
    ]
