"""Forms of access requests: ask, approve (with the over-the-limit confirmation), reject, filter lists."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.choices import RequestStatus
from access.models import Role, System
from access.queries.requests import SORTS

SORT_LABELS = {
    "newest": gettext_lazy("Newest"),
    "oldest": gettext_lazy("Oldest"),
    "system": gettext_lazy("System"),
    "person": gettext_lazy("Person"),
}


def _role_choices():
    """Roles grouped by system, for a <select> with optgroups (the portal's own roles come from groups)."""
    groups, current, options = [("", gettext_lazy("Choose a role"))], None, []
    roles = (
        Role.objects.filter(system__is_portal=False).select_related("system").order_by("system__name", "name")
    )
    for role in roles:
        if current is not None and role.system_id != current.pk:
            groups.append((current.name, options))
            options = []
        current = role.system
        label = _("%(role)s (privileged)") % {"role": role.name} if role.privileged else role.name
        options.append((str(role.pk), label))
    if current is not None:
        groups.append((current.name, options))
    return groups


class AccessRequestForm(forms.Form):
    requested_for = forms.ModelChoiceField(queryset=None, label=gettext_lazy("For"), empty_label=None)
    role = forms.ChoiceField(label=gettext_lazy("Role"))
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why is this access needed?"),
        max_length=4000,
        label=gettext_lazy("Justification"),
    )
    end_date = forms.DateField(
        required=False,
        label=gettext_lazy("End date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "Optional: temporary access ends at the end of this day (at most a year from today)."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = get_user_model().objects.filter(pk=user.pk) | user.reports.filter(is_active=True)
        self.fields["requested_for"].queryset = people.order_by("full_name")
        self.fields["requested_for"].initial = user.pk
        if not user.is_manager:
            self.fields["requested_for"].widget = forms.HiddenInput()
        self.fields["role"].choices = _role_choices()

    def clean_role(self):
        role = Role.objects.select_related("system").filter(pk=self.cleaned_data["role"]).first()
        if role is None or role.system.is_portal:
            raise forms.ValidationError(_("Choose a role from the list."))
        return role


class ApproveForm(forms.Form):
    confirm_over_limit = forms.BooleanField(
        required=False,
        label=gettext_lazy("I know this system is at its maximum of privileged holders; approve anyway."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("Reason"), max_length=4000
    )


class RequestFilterForm(forms.Form):
    q = forms.CharField(required=False, label=gettext_lazy("Search"), max_length=200)
    system = forms.ModelChoiceField(
        queryset=System.objects.order_by("name"), required=False, label=gettext_lazy("System")
    )
    status = forms.ChoiceField(
        choices=[("", gettext_lazy("Any status")), *RequestStatus.choices],
        required=False,
        label=gettext_lazy("Status"),
    )
    sort = forms.ChoiceField(
        choices=[(key, SORT_LABELS[key]) for key in SORTS], required=False, label=gettext_lazy("Sort")
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {"q": "", "system": None, "sort": "newest"} | (
                {"status": ""} if "status" in self.fields else {}
            )
        data = {key: value for key, value in self.cleaned_data.items() if key in self.fields}
        data["sort"] = data.get("sort") or "newest"
        return data
