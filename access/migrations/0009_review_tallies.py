"""Progress tallies per campaign, reviewer and decision, filled from the items of every existing campaign;
indexes for rebuilding them and for the campaign page's flagged lists."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_tallies(apps, schema_editor):
    """Every existing campaign's tallies, counted from its items (what ``tally_recount`` does)."""
    from django.db.models import Count

    ReviewItem = apps.get_model("access", "ReviewItem")
    ReviewTally = apps.get_model("access", "ReviewTally")
    rows = (
        ReviewItem.objects.values("campaign_id", "reviewer_id", "decision").annotate(n=Count("pk")).order_by()
    )
    ReviewTally.objects.bulk_create(
        (
            ReviewTally(
                campaign_id=row["campaign_id"],
                reviewer_id=row["reviewer_id"],
                decision=row["decision"],
                items=row["n"],
            )
            for row in rows.iterator(chunk_size=2000)
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0008_import_jobs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReviewTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("keep", "Keep"),
                            ("revoke", "Revoke"),
                            ("downgrade", "Downgrade"),
                            ("exception", "Keep until a date"),
                            ("no_response", "No response"),
                        ],
                        max_length=12,
                    ),
                ),
                ("items", models.IntegerField(default=0)),
            ],
        ),
        migrations.AddIndex(
            model_name="reviewitem",
            index=models.Index(fields=["campaign", "reviewer", "decision"], name="reviewitem_tally"),
        ),
        migrations.AddIndex(
            model_name="reviewitem",
            index=models.Index(
                condition=models.Q(("routing_note", ""), _negated=True),
                fields=["campaign", "holder_label", "id"],
                name="reviewitem_rerouted",
            ),
        ),
        migrations.AddIndex(
            model_name="reviewitem",
            index=models.Index(
                condition=models.Q(("decision", "no_response")),
                fields=["campaign", "holder_label", "id"],
                name="reviewitem_no_response",
            ),
        ),
        migrations.AddIndex(
            model_name="reviewitem",
            index=models.Index(
                condition=models.Q(("bulk", True), ("decision", "keep")),
                fields=["campaign", "holder_label", "id"],
                name="reviewitem_bulk_keep",
            ),
        ),
        migrations.AddIndex(
            model_name="reviewitem",
            index=models.Index(
                condition=models.Q(("override", True)),
                fields=["campaign", "holder_label", "id"],
                name="reviewitem_override",
            ),
        ),
        migrations.AddField(
            model_name="reviewtally",
            name="campaign",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="tallies",
                to="access.reviewcampaign",
            ),
        ),
        migrations.AddField(
            model_name="reviewtally",
            name="reviewer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewtally",
            constraint=models.UniqueConstraint(
                fields=("campaign", "reviewer", "decision"), name="one_tally_per_reviewer_and_decision"
            ),
        ),
        migrations.RunPython(fill_tallies, migrations.RunPython.noop),
    ]
