"""Campaigns remember how many items took the default at close (so that a default of "keep" or "revoke"
never reads as reviewed by a person), counted once for the campaigns closed before; and the ad hoc
campaigns named by the old generated pattern ("<policy> · adhoc-20261202T203320924849") get the human
title new launches get ("Ad hoc review, 2 Dec 2026 · <policy>", the day in the launcher's time zone).
Names a person chose, and every other field, stay as they are; evidence files are not touched, and the
numbers frozen in the evidence (``evidence_review``) start with the next close: an older campaign's
manifest stays byte for byte what it was."""

import re
import zoneinfo

from django.conf import settings
from django.db import migrations, models

GENERATED = re.compile(r"^(?P<policy>.*) · (?P<key>adhoc-\d{8}T\d{12})$")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _zone(person):
    try:
        return zoneinfo.ZoneInfo(
            person.time_zone if person is not None and person.time_zone else settings.TIME_ZONE
        )
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def forwards(apps, schema_editor):
    ReviewCampaign = apps.get_model("access", "ReviewCampaign")
    ReviewItem = apps.get_model("access", "ReviewItem")
    closed = ReviewCampaign.objects.filter(status="closed", defaulted_items__isnull=True)
    for campaign_id in closed.values_list("pk", flat=True).iterator():
        defaulted = ReviewItem.objects.filter(campaign_id=campaign_id, default_applied=True).count()
        ReviewCampaign.objects.filter(pk=campaign_id).update(defaulted_items=defaulted)
    adhoc = ReviewCampaign.objects.filter(kind="ad_hoc", period_key__startswith="adhoc-").select_related(
        "launched_by"
    )
    for campaign in adhoc.iterator():
        match = GENERATED.match(campaign.name)
        if match is None or match["key"] != campaign.period_key:
            continue  # renamed by a person, or not the generated pattern: left alone
        day = campaign.launched_at.astimezone(_zone(campaign.launched_by))
        title = f"Ad hoc review, {day.day} {MONTHS[day.month - 1]} {day.year} · {match['policy']}"
        ReviewCampaign.objects.filter(pk=campaign.pk).update(name=title[:200])


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0012_recommendation_in_use"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewcampaign",
            name="defaulted_items",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Items that took the default at close (nobody decided them), whatever the default "
                "decision; empty until closed.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="reviewcampaign",
            name="evidence_review",
            field=models.JSONField(
                blank=True,
                help_text="The review's numbers frozen at close (total, reviewed by a person, defaulted, their "
                "shares), stated in the evidence manifest; empty for campaigns closed before they were kept.",
                null=True,
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
