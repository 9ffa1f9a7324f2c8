"""Forms of treatment actions: edit an action, set its status, and the filters of the actions list."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from risk.choices import ActionStatus
from risk.queries.actions import ACTION_SORTS

SORT_LABELS = {
    "due": _("Due"),
    "-due": _("Due (latest first)"),
    "risk": _("Risk"),
    "owner": _("Owner"),
    "status": _("Status"),
}


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000, label=_("Description")
    )
    owner = forms.ModelChoiceField(queryset=None, label=_("Owner"))
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.people().filter(is_active=True)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices, label=_("Status"))


class ActionFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=200)
    scope = forms.ChoiceField(
        choices=[("mine", pgettext_lazy("risk treatment", "My actions")), ("all", _("All I can see"))],
        required=False,
        label=_("Scope"),
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *ActionStatus.choices], required=False, label=_("Status")
    )
    overdue = forms.BooleanField(required=False, label=_("Overdue only"))
    sort = forms.ChoiceField(
        choices=[(key, SORT_LABELS.get(key, key)) for key in ACTION_SORTS],
        required=False,
        label=_("Sort"),
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
