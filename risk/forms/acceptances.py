"""Forms of risk acceptances: ask for an acceptance, reject or revoke it with a reason, and the filters of the
acceptances list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from risk.choices import AcceptanceStatus
from risk.queries.acceptances import ACCEPTANCE_SORTS

SORT_LABELS = {
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "expiry": _("Expiry"),
    "risk": _("Risk"),
}


class AcceptanceRequestForm(forms.Form):
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        label=_("Rationale"),
        help_text=_("Why the risk is acceptable as it is, for now."),
    )
    expires_on = forms.DateField(
        label=_("Accepted until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("In the future, and at most a year from today."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"), max_length=4000)


class AcceptanceFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=200)
    scope = forms.ChoiceField(
        choices=[("awaiting", _("Awaiting my approval")), ("all", _("All I can see"))],
        required=False,
        label=_("Scope"),
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *AcceptanceStatus.choices], required=False, label=_("Status")
    )
    sort = forms.ChoiceField(
        choices=[(key, SORT_LABELS.get(key, key.capitalize())) for key in ACCEPTANCE_SORTS],
        required=False,
        label=_("Sort"),
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "scope": data.get("scope") or "awaiting",
            "status": data.get("status") or "",
            "q": data.get("q") or "",
            "sort": data.get("sort") or "newest",
        }
