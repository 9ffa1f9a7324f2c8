"""Forms of treatment actions and risk acceptances: edit an action, set its status, ask for an acceptance,
reject or revoke with a reason, and the filters of their lists."""

from django import forms
from django.contrib.auth import get_user_model

from risk.choices import AcceptanceStatus, ActionStatus
from risk.queries.acceptances import ACCEPTANCE_SORTS, ACTION_SORTS


def _date_input():
    return forms.DateInput(attrs={"type": "date"})


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)
    owner = forms.ModelChoiceField(queryset=None, label="Owner")
    due_on = forms.DateField(label="Due date", widget=_date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.people().filter(is_active=True)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)


class AcceptanceRequestForm(forms.Form):
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text="Why the risk is acceptable as it is, for now.",
    )
    expires_on = forms.DateField(
        label="Accepted until",
        widget=_date_input(),
        help_text="In the future, and at most a year from today.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason", max_length=4000)


class ActionFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    scope = forms.ChoiceField(choices=[("mine", "My actions"), ("all", "All I can see")], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *ActionStatus.choices], required=False)
    overdue = forms.BooleanField(required=False, label="Overdue only")
    sort = forms.ChoiceField(
        choices=[
            (key, key.lstrip("-").capitalize() + (" (latest first)" if key.startswith("-") else ""))
            for key in ACTION_SORTS
        ],
        required=False,
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "scope": data.get("scope") or "mine",
            "status": data.get("status") or "",
            "overdue": bool(data.get("overdue")),
            "q": data.get("q") or "",
            "sort": data.get("sort") or "due",
        }


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
