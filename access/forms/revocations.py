"""Forms of revocation tasks: the list filter and marking a task done."""

from django import forms
from django.utils.translation import gettext_lazy

from access.choices import TaskStatus
from access.models import System
from access.queries.revocations import TASK_SORTS


class RevocationFilterForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=150, label=gettext_lazy("Holder or reason"), widget=forms.SearchInput()
    )
    status = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("Any"))] + TaskStatus.choices, label=gettext_lazy("Status")
    )
    system = forms.ModelChoiceField(
        required=False,
        queryset=System.objects.all(),
        empty_label=gettext_lazy("Any"),
        label=gettext_lazy("System"),
    )
    overdue = forms.BooleanField(required=False, label=gettext_lazy("Overdue only"))
    leaver = forms.BooleanField(required=False, label=gettext_lazy("Leavers only"))
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("due", gettext_lazy("Due first")),
            ("-due", gettext_lazy("Due last")),
            ("system", gettext_lazy("System")),
            ("created", gettext_lazy("Newest")),
        ],
        label=gettext_lazy("Sort"),
    )

    def clean_sort(self):
        sort = self.cleaned_data["sort"]
        return sort if sort in TASK_SORTS else ""


class RevocationDoneForm(forms.Form):
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was done, for example where and when the access was removed."),
        label=gettext_lazy("Note"),
    )
