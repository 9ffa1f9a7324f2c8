"""Each vulnerability keeps the component version it was found in; existing rows take their component's
current version (the best that is known)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Vulnerability = apps.get_model("vulnerabilities", "Vulnerability")
    Component = apps.get_model("vulnerabilities", "Component")
    Vulnerability.objects.filter(component__isnull=False).update(
        component_version=Subquery(
            Component.objects.filter(pk=OuterRef("component_id")).values("version")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("vulnerabilities", "0004_disclosure_title"),
    ]

    operations = [
        migrations.AddField(
            model_name="vulnerability",
            name="component_version",
            field=models.CharField(
                blank=True,
                help_text="The component's version it was found in (kept when an import moves the component on).",
                max_length=100,
                verbose_name="affected version",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
