"""Forms of risk acceptances: ask for an acceptance, reject or revoke it with a reason, and the filters of the
acceptances list."""

from django import forms

from risk.choices import AcceptanceStatus
from risk.queries.acceptances import ACCEPTANCE_SORTS


class AcceptanceRequestForm(forms.Form):
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="Why the risk is acceptable as it is, for now.",
    )
    expires_on = forms.DateField(
        label="Accepted until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="In the future, and at most a year from today.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason", max_length=4000)


class AcceptanceFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    scope = forms.ChoiceField(
        choices=[("awaiting", "Awaiting my approval"), ("all", "All I can see")], required=False
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *AcceptanceStatus.choices], required=False)
    sort = forms.ChoiceField(choices=[(key, key.capitalize()) for key in ACCEPTANCE_SORTS], required=False)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "scope": data.get("scope") or "awaiting",
            "status": data.get("status") or "",
            "q": data.get("q") or "",
            "sort": data.get("sort") or "newest",
        }
