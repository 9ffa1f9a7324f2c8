"""Forms of revocation tasks: the list filter and marking a task done."""

from django import forms

from access.choices import TaskStatus
from access.models import System
from access.queries.revocations import TASK_SORTS


class RevocationFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label="Holder or reason", widget=forms.SearchInput())
    status = forms.ChoiceField(required=False, choices=[("", "Any")] + TaskStatus.choices)
    system = forms.ModelChoiceField(required=False, queryset=System.objects.all(), empty_label="Any")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    leaver = forms.BooleanField(required=False, label="Leavers only")
    sort = forms.ChoiceField(
        required=False,
        choices=[("due", "Due first"), ("-due", "Due last"), ("system", "System"), ("created", "Newest")],
    )

    def clean_sort(self):
        sort = self.cleaned_data["sort"]
        return sort if sort in TASK_SORTS else ""


class RevocationDoneForm(forms.Form):
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was done, for example where and when the access was removed.",
    )
