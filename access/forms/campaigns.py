"""Forms of the campaign pages: the list filter."""

from django import forms
from django.utils.translation import gettext_lazy

from access.choices import CampaignStatus
from access.models import ReviewPolicy


class CampaignFilterForm(forms.Form):
    q = forms.CharField(required=False, label=gettext_lazy("Name"))
    status = forms.ChoiceField(
        required=False,
        choices=[("", gettext_lazy("Any")), *CampaignStatus.choices],
        label=gettext_lazy("Status"),
    )
    policy = forms.ModelChoiceField(
        required=False,
        queryset=ReviewPolicy.objects.order_by("name"),
        empty_label=gettext_lazy("Any"),
        label=gettext_lazy("Policy"),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-launched", gettext_lazy("Newest first")),
            ("launched", gettext_lazy("Oldest first")),
            ("due", gettext_lazy("Due soonest")),
            ("-due", gettext_lazy("Due latest")),
            ("name", gettext_lazy("Name")),
        ],
        label=gettext_lazy("Sort"),
    )
