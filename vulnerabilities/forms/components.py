"""Forms of a system's component inventory: a component typed in, and a CycloneDX SBOM upload."""

from django import forms


class ComponentForm(forms.Form):
    name = forms.CharField(max_length=300)
    version = forms.CharField(max_length=100, required=False)
    ecosystem = forms.CharField(max_length=50, required=False, help_text="e.g. pypi, npm, maven, deb.")
    purl = forms.CharField(
        max_length=1000, required=False, label="Package URL", help_text="e.g. pkg:pypi/requests@2.32.3"
    )
    licence = forms.CharField(max_length=300, required=False)


class SbomForm(forms.Form):
    sbom = forms.FileField(
        label="CycloneDX SBOM (JSON)",
        help_text="Replaces this system's inventory; the difference is recorded.",
    )
