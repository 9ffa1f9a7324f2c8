"""The remediation policy's form (security officers)."""

from django import forms

from vulnerabilities.models import RemediationPolicy


class PolicyForm(forms.ModelForm):
    class Meta:
        model = RemediationPolicy
        fields = [
            "critical_days",
            "high_days",
            "medium_days",
            "low_days",
            "clock_from",
            "halve_for_production_personal_data",
            "reminder_days_before_due",
            "escalate_to_officers_after_days",
        ]
        labels = {
            "critical_days": "Critical: days to remediate",
            "high_days": "High: days to remediate",
            "medium_days": "Medium: days to remediate",
            "low_days": "Low: days to remediate",
            "clock_from": "The deadline counts",
            "halve_for_production_personal_data": "Halve the days for production systems with personal data",
        }

    def clean(self):
        data = super().clean()
        for name in ("critical_days", "high_days", "medium_days", "low_days"):
            if data.get(name) == 0:
                self.add_error(name, "At least one day.")
        days = [data.get(name) for name in ("critical_days", "high_days", "medium_days", "low_days")]
        if all(day for day in days) and days != sorted(days):
            raise forms.ValidationError(
                "A more severe vulnerability cannot get more time than a less severe one."
            )
        return data
