"""Forms of review policies: create or edit, enable, and the list filter. The rules live in the services;
forms parse the input."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.choices import Environment
from access.models import ReviewPolicy, System
from access.services.policies import EDITABLE_FIELDS
from dpms.forms import ModelMultipleChoiceField


class PolicyForm(forms.ModelForm):
    """Create or edit a policy. ``reminder_days_before_due`` is typed as "3, 1"."""

    systems = ModelMultipleChoiceField(
        queryset=System.objects.order_by("name"),
        required=False,
        help_text=gettext_lazy("None selected: every system."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        label=gettext_lazy("Systems"),
    )
    environments = forms.MultipleChoiceField(
        choices=Environment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every environment."),
        label=gettext_lazy("Environments"),
    )
    reminder_days_before_due = forms.CharField(
        required=False,
        label=gettext_lazy("Reminders, days before due"),
        help_text=gettext_lazy("Whole days, separated by commas, e.g. 3, 1."),
    )
    start_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label=gettext_lazy("Start date")
    )

    class Meta:
        model = ReviewPolicy
        # The service's editable fields, with the systems (many-to-many, saved apart) after the description.
        fields = (*EDITABLE_FIELDS[:2], "systems", *EDITABLE_FIELDS[2:])
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "name": gettext_lazy("Name"),
            "description": gettext_lazy("Description"),
            "privileged_only": gettext_lazy("Privileged only"),
            "reviewer_rule": gettext_lazy("Reviewer rule"),
            "named_reviewer": gettext_lazy("Named reviewer"),
            "fallback_reviewer": gettext_lazy("Fallback reviewer"),
            "cadence": gettext_lazy("Cadence"),
            "duration_days": gettext_lazy("Duration days"),
            "remind_at_launch": gettext_lazy("Remind at launch"),
            "remind_at_half_time": gettext_lazy("Remind at half time"),
            "remind_daily_when_overdue": gettext_lazy("Remind daily when overdue"),
            "escalate_after_overdue_days": gettext_lazy("Escalate after overdue days"),
            "default_decision": gettext_lazy("Default decision"),
            "auto_apply": gettext_lazy("Auto apply"),
            "auto_revoke_confirm_share": gettext_lazy("Auto revoke confirm share"),
        }
        help_texts = {
            "auto_apply": gettext_lazy("Apply revocations at close without a task."),
            "auto_revoke_confirm_share": gettext_lazy(
                "A close that would auto-revoke more than this share of items stops for confirmation."
            ),
        }

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
                raise forms.ValidationError(_("“%(part)s” is not a whole number of days.") % {"part": part})
            days.append(int(part))
        return days

    def service_values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in self.Meta.fields if name != "systems"}
        values["environments"] = list(values["environments"] or [])
        return values


class EnableForm(forms.Form):
    """Enabling a policy that revokes by default: the officer types back the count shown."""

    confirmed_count = forms.IntegerField(
        required=False, widget=forms.HiddenInput, label=gettext_lazy("Confirmed count")
    )
    confirm = forms.BooleanField(
        required=False, label=gettext_lazy("I understand how many grants this policy would revoke today.")
    )


class PolicyFilterForm(forms.Form):
    q = forms.CharField(required=False, label=gettext_lazy("Name"))
    enabled = forms.ChoiceField(
        required=False,
        choices=[
            ("", gettext_lazy("Any")),
            ("yes", gettext_lazy("Enabled")),
            ("no", gettext_lazy("Disabled")),
        ],
        label=gettext_lazy("State"),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("name", gettext_lazy("Name")),
            ("-name", gettext_lazy("Name, Z–A")),
            ("next", gettext_lazy("Next run")),
            ("-next", gettext_lazy("Next run, latest")),
        ],
        label=gettext_lazy("Sort"),
    )
