"""Forms of review policies: create or edit, enable, and the list filter. The rules live in the services;
forms parse the input."""

from django import forms
from django.contrib.auth import get_user_model

from access.choices import Environment
from access.models import ReviewPolicy, System
from access.services.policies import EDITABLE_FIELDS
from dpms.forms import ModelMultipleChoiceField


class PolicyForm(forms.ModelForm):
    """Create or edit a policy. ``reminder_days_before_due`` is typed as "3, 1"."""

    systems = ModelMultipleChoiceField(
        queryset=System.objects.order_by("name"),
        required=False,
        help_text="None selected: every system.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    environments = forms.MultipleChoiceField(
        choices=Environment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every environment.",
    )
    reminder_days_before_due = forms.CharField(
        required=False,
        label="Reminders, days before due",
        help_text="Whole days, separated by commas, e.g. 3, 1.",
    )
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = ReviewPolicy
        # The service's editable fields, with the systems (many-to-many, saved apart) after the description.
        fields = (*EDITABLE_FIELDS[:2], "systems", *EDITABLE_FIELDS[2:])
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = get_user_model().objects.people().filter(is_active=True).order_by("full_name", "email")
        self.fields["named_reviewer"].queryset = people
        self.fields["fallback_reviewer"].queryset = people
        self.fields["duration_days"].min_value = None  # the service says why (at least one day)
        if self.instance.pk and not self.is_bound:
            self.initial["systems"] = list(self.instance.systems.all())
            self.initial["reminder_days_before_due"] = ", ".join(
                str(days) for days in self.instance.reminder_days_before_due or []
            )

    def clean_reminder_days_before_due(self) -> list:
        text = self.cleaned_data.get("reminder_days_before_due") or ""
        days = []
        for part in (p.strip() for p in text.replace(";", ",").split(",")):
            if not part:
                continue
            if not part.lstrip("-").isdigit():
                raise forms.ValidationError(f"“{part}” is not a whole number of days.")
            days.append(int(part))
        return days

    def service_values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in self.Meta.fields if name != "systems"}
        values["environments"] = list(values["environments"] or [])
        return values


class EnableForm(forms.Form):
    """Enabling a policy that revokes by default: the officer types back the count shown."""

    confirmed_count = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        required=False, label="I understand how many grants this policy would revoke today."
    )


class PolicyFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Name")
    enabled = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("yes", "Enabled"), ("no", "Disabled")], label="State"
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("name", "Name"),
            ("-name", "Name, Z–A"),
            ("next", "Next run"),
            ("-next", "Next run, latest"),
        ],
    )
