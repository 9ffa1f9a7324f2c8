"""The remediation policy's form (security officers)."""

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from vulnerabilities.models import RemediationPolicy
from vulnerabilities.services.deadlines import POLICY_FIELDS

DAY_FIELDS = ("critical_days", "high_days", "medium_days", "low_days")


class PolicyForm(forms.ModelForm):
    class Meta:
        model = RemediationPolicy
        fields = list(POLICY_FIELDS)  # what the service changes and audits
        labels = {
            "critical_days": _("Critical: days to remediate"),
            "high_days": _("High: days to remediate"),
            "medium_days": _("Medium: days to remediate"),
            "low_days": _("Low: days to remediate"),
            "clock_from": _("The deadline counts"),
            "halve_for_production_personal_data": _(
                "Halve the days for production systems with personal data"
            ),
            "reminder_days_before_due": _("Days before the deadline to remind the owner"),
            "escalate_to_officers_after_days": _(
                "Days past the deadline before the security officers are told"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DAY_FIELDS:
            # Zero or a negative count says so in words, not Django's "greater than or equal to 0".
            field = self.fields[name]
            field.min_value = 1
            field.widget.attrs["min"] = 1
            field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)]
            field.validators.append(MinValueValidator(1, message=_("At least one day.")))

    def clean(self):
        data = super().clean()
        days = [data.get(name) for name in DAY_FIELDS]
        if all(day for day in days) and days != sorted(days):
            raise forms.ValidationError(
                _("A more severe vulnerability cannot get more time than a less severe one.")
            )
        return data
