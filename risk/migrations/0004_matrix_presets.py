"""Data: install the shipped risk matrices (NIST SP 800-30 Rev. 1 5×5, ISO/IEC 27005-style 5×5, 3×3) and
make the NIST SP 800-30 matrix the active one when none is. Existing matrices are never touched."""

from django.db import migrations


def install(apps, schema_editor):
    from risk.services.matrices import install_presets

    install_presets(apps.get_model("risk", "RiskMatrix"))


def uninstall(apps, schema_editor):
    """Remove the presets nothing is scored on (a matrix with risks stays)."""
    from risk.queries.matrices import PRESETS

    matrix_model = apps.get_model("risk", "RiskMatrix")
    names = [fields["name"] for fields in PRESETS.values()]
    matrix_model.objects.filter(name__in=names, risks__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0003_treat_acceptance_expiry_notice")]

    operations = [migrations.RunPython(install, uninstall)]
