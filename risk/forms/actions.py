"""Forms of treatment actions: edit an action, set its status, and the filters of the actions list."""

from django import forms
from django.contrib.auth import get_user_model

from risk.choices import ActionStatus
from risk.queries.actions import ACTION_SORTS


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000)
    owner = forms.ModelChoiceField(queryset=None, label="Owner")
    due_on = forms.DateField(label="Due date", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.people().filter(is_active=True)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)


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
