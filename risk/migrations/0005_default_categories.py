"""Seed the default risk categories (editable in the admin afterwards)."""

from django.db import migrations

DEFAULTS = [
    ("Information security", "Confidentiality, integrity and availability of information."),
    ("Privacy", "Processing of personal data and the rights of data subjects."),
    ("Availability", "Outages, capacity and continuity of services."),
    ("Supplier", "Suppliers, processors and other third parties."),
    ("Compliance", "Laws, regulations, contracts and internal policies."),
    ("Physical", "Premises, equipment and environmental threats."),
]


def add_defaults(apps, schema_editor):
    category = apps.get_model("risk", "RiskCategory")
    for name, description in DEFAULTS:
        category.objects.get_or_create(name=name, defaults={"description": description})


def remove_defaults(apps, schema_editor):
    category = apps.get_model("risk", "RiskCategory")
    category.objects.filter(name__in=[name for name, _ in DEFAULTS], risks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0004_matrix_presets")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
