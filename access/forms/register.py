"""Forms of the access register: list filters, granting a role and revoking a grant."""

import datetime

from django import forms
from django.utils import timezone

from access.choices import DataClassification, Environment
from access.models import Role, System
from access.queries.register import system_owners
from dpms.forms import LookupField, row_id
from dpms.models import Team, User

BLANK = [("", "Any")]


class SystemFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label="Search", widget=forms.SearchInput())
    environment = forms.ChoiceField(required=False, choices=BLANK + Environment.choices)
    classification = forms.ChoiceField(
        required=False, choices=BLANK + DataClassification.choices, label="Data classification"
    )
    owner = forms.ModelChoiceField(required=False, queryset=User.objects.none(), empty_label="Any")
    findings = forms.BooleanField(required=False, label="With open findings only")
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("name", "Name"),
            ("-name", "Name, Z to A"),
            ("environment", "Environment"),
            ("classification", "Classification"),
            ("-holders", "Most holders"),
            ("-privileged", "Most privileged holders"),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = system_owners()


class GrantFilterForm(forms.Form):
    person = forms.CharField(
        required=False, max_length=200, widget=forms.SearchInput(attrs={"placeholder": "name or email"})
    )
    system = LookupField(
        System.objects.order_by("name"),
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": "name"}),
    )
    role = forms.ModelChoiceField(
        required=False,
        queryset=Role.objects.select_related("system").order_by("system__name", "name"),
        empty_label="Any",
        help_text="Choose a system first: its roles are offered then.",
    )
    privileged = forms.ChoiceField(
        required=False, choices=BLANK + [("yes", "Privileged"), ("no", "Not privileged")]
    )
    environment = forms.ChoiceField(required=False, choices=BLANK + Environment.choices)
    team = forms.ModelChoiceField(required=False, queryset=Team.objects.order_by("name"), empty_label="Any")
    expiring = forms.BooleanField(required=False, label="Expiring within 30 days")
    status = forms.ChoiceField(
        required=False,
        choices=[("active", "Active"), ("revoked", "Revoked"), ("all", "All")],
        initial="active",
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("person", "Person"),
            ("system", "System"),
            ("role", "Role"),
            ("-granted", "Newest first"),
            ("granted", "Oldest first"),
            ("expires", "Expires soonest"),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Roles are offered for the chosen system only (thousands otherwise); a role asked for without a
        # system (a link) is still understood.
        roles = self.fields["role"].queryset
        try:
            system = self.fields["system"].clean(self.data.get("system")) if self.is_bound else None
        except forms.ValidationError:
            system = None
        if system is not None:
            self.fields["role"].queryset = roles.filter(system=system)
        else:
            wanted = row_id(self.data.get("role")) if self.is_bound else None
            self.fields["role"].queryset = roles.filter(pk=wanted) if wanted is not None else roles.none()


class GrantCreateForm(forms.Form):
    """Give a person a role on one system; the justification is kept with the grant and reviewed later."""

    person = forms.EmailField(
        label="Person's email", widget=forms.EmailInput(attrs={"autocomplete": "off"}), max_length=254
    )
    role = forms.ModelChoiceField(queryset=Role.objects.none())
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    expires_at = forms.DateField(
        required=False,
        label="Access ends on (optional)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Temporary access: the grant ends at the end of this day.",
    )

    def __init__(self, *args, system: System, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        self.fields["role"].queryset = Role.objects.filter(system=system).order_by("-privileged", "name")
        self.fields["role"].label_from_instance = lambda role: (
            f"{role.name}{' (privileged)' if role.privileged else ''}"
        )

    def clean_person(self):
        email = self.cleaned_data["person"].strip().lower()
        person = User.objects.people().filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError("No one in the portal has this email.")
        if not person.is_active:
            raise forms.ValidationError("This person is deactivated.")
        return person

    def clean_justification(self):
        text = self.cleaned_data["justification"].strip()
        if not text:
            raise forms.ValidationError("Say why this person needs the role.")
        return text

    def clean_expires_at(self):
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        if day < timezone.localdate():
            raise forms.ValidationError("The end of temporary access must not be in the past.")
        # The end of that day in the viewer's timezone, stored in UTC.
        return datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, tzinfo=timezone.get_current_timezone()
        )


class GrantRevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say why the access is revoked."},
    )

    def clean_reason(self):
        text = self.cleaned_data["reason"].strip()
        if not text:
            raise forms.ValidationError("Say why the access is revoked.")
        return text
