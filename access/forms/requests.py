"""Forms of access requests: ask, approve (with the over-the-limit confirmation), reject, filter lists."""

from django import forms
from django.contrib.auth import get_user_model

from access.choices import RequestStatus
from access.models import Role, System
from access.queries.requests import SORTS


def _role_choices():
    """Roles grouped by system, for a <select> with optgroups (the portal's own roles come from groups)."""
    groups, current, options = [("", "Choose a role")], None, []
    roles = (
        Role.objects.filter(system__is_portal=False).select_related("system").order_by("system__name", "name")
    )
    for role in roles:
        if current is not None and role.system_id != current.pk:
            groups.append((current.name, options))
            options = []
        current = role.system
        options.append((str(role.pk), f"{role.name}{' (privileged)' if role.privileged else ''}"))
    if current is not None:
        groups.append((current.name, options))
    return groups


class AccessRequestForm(forms.Form):
    requested_for = forms.ModelChoiceField(queryset=None, label="For", empty_label=None)
    role = forms.ChoiceField(label="Role")
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Why is this access needed?", max_length=4000
    )
    end_date = forms.DateField(
        required=False,
        label="End date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional: temporary access ends at the end of this day (at most a year from today).",
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
            raise forms.ValidationError("Choose a role from the list.")
        return role


class ApproveForm(forms.Form):
    confirm_over_limit = forms.BooleanField(
        required=False, label="I know this system is at its maximum of privileged holders; approve anyway."
    )


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason", max_length=4000)


class RequestFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    system = forms.ModelChoiceField(queryset=System.objects.order_by("name"), required=False, label="System")
    status = forms.ChoiceField(choices=[("", "Any status"), *RequestStatus.choices], required=False)
    sort = forms.ChoiceField(choices=[(key, key.capitalize()) for key in SORTS], required=False, label="Sort")

    def filters(self) -> dict:
        if not self.is_valid():
            return {"q": "", "system": None, "sort": "newest"} | (
                {"status": ""} if "status" in self.fields else {}
            )
        data = {key: value for key, value in self.cleaned_data.items() if key in self.fields}
        data["sort"] = data.get("sort") or "newest"
        return data
