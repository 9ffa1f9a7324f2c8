"""Forms of the SCIM connections' pages."""

from django import forms


class ConnectionForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="The identity provider, e.g. Okta or Entra ID.")
