"""Forms of a system's component inventory: a component typed in, and a CycloneDX SBOM upload."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ComponentForm(forms.Form):
    name = forms.CharField(max_length=300, label=_("Name"))
    version = forms.CharField(max_length=100, required=False, label=_("Version"))
    ecosystem = forms.CharField(
        max_length=50, required=False, label=_("Ecosystem"), help_text=_("e.g. pypi, npm, maven, deb.")
    )
    purl = forms.CharField(
        max_length=1000, required=False, label=_("Package URL"), help_text=_("e.g. pkg:pypi/requests@2.32.3")
    )
    licence = forms.CharField(max_length=300, required=False, label=_("Licence"))


class SbomForm(forms.Form):
    sbom = forms.FileField(
        label=_("CycloneDX SBOM (JSON)"),
        help_text=_("Replaces this system's inventory; the difference is recorded."),
    )
