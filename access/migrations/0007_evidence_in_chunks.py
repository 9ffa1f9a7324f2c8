"""The evidence CSV moves out of the campaign row into chunks, so a campaign list or page never loads it.
Existing evidence becomes one chunk, byte for byte, so its stored hash still matches the download."""

import django.db.models.deletion
from django.db import migrations, models


def move_evidence_to_chunks(apps, schema_editor):
    campaigns = apps.get_model("access", "ReviewCampaign")
    chunks = apps.get_model("access", "EvidenceChunk")
    for pk, text in campaigns.objects.exclude(evidence_csv="").values_list("pk", "evidence_csv").iterator():
        chunks.objects.create(campaign_id=pk, position=0, text=text)


def move_evidence_back(apps, schema_editor):
    campaigns = apps.get_model("access", "ReviewCampaign")
    chunks = apps.get_model("access", "EvidenceChunk")
    for pk in chunks.objects.values_list("campaign_id", flat=True).distinct():
        texts = chunks.objects.filter(campaign_id=pk).order_by("position").values_list("text", flat=True)
        campaigns.objects.filter(pk=pk).update(evidence_csv="".join(texts))


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0006_finding_constraints_portable"),
    ]

    operations = [
        migrations.CreateModel(
            name="EvidenceChunk",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveIntegerField()),
                ("text", models.TextField()),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="evidence_chunks",
                        to="access.reviewcampaign",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("campaign", "position"), name="one_evidence_chunk_per_position"
                    )
                ],
            },
        ),
        migrations.RunPython(move_evidence_to_chunks, move_evidence_back),
        migrations.RemoveField(model_name="reviewcampaign", name="evidence_csv"),
    ]
