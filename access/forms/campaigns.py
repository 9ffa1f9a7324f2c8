"""Forms of the campaign pages: the list filter."""

from django import forms

from access.choices import CampaignStatus
from access.models import ReviewPolicy


class CampaignFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name")
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *CampaignStatus.choices])
    policy = forms.ModelChoiceField(
        required=False, queryset=ReviewPolicy.objects.order_by("name"), empty_label="Any"
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-launched", "Newest first"),
            ("launched", "Oldest first"),
            ("due", "Due soonest"),
            ("-due", "Due latest"),
            ("name", "Name"),
        ],
    )
