"""Forms of the SCIM connections' pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ConnectionForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=_("Name"), help_text=_("The identity provider, e.g. Okta or Entra ID.")
    )
