"""Forms of the people admin: inviting a person (no password) and changing their details and portal roles."""

import zoneinfo

from django import forms
from django.contrib.auth.forms import ReadOnlyPasswordHashField
from django.contrib.auth.models import Group

from dpms.models import PortalRole, User

TIME_ZONE_CHOICES = [("", "The installation's time zone")] + [
    (name, name) for name in sorted(zoneinfo.available_timezones())
]


def portal_roles_field(**kwargs) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=Group.objects.filter(name__in=PortalRole.values).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Portal roles",
        help_text="Everyone is staff. Manager is derived from having reports and is not a role.",
        **kwargs,
    )


class UserInviteForm(forms.ModelForm):
    """A new person: no password here; they set one through the invitation link."""

    roles = portal_roles_field()

    class Meta:
        model = User
        fields = ("email", "full_name", "job_title", "team", "manager")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Someone has an account with this email address already.")
        return email


class UserChangeForm(forms.ModelForm):
    """A person's details and portal roles. The ModelAdmin sets ``actor``, the admin, per request."""

    actor = None
    password = ReadOnlyPasswordHashField(
        label="Password",
        help_text="Raw passwords are not stored. An admin can set one; it must meet the password policy.",
    )
    groups = portal_roles_field()
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, required=False, label="Time zone")

    class Meta:
        model = User
        fields = ("email", "full_name", "job_title", "team", "manager", "time_zone", "is_active", "groups")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Someone has an account with this email address already.")
        return email

    def clean(self):
        data = super().clean()
        if self.actor is not None and self.actor.pk == self.instance.pk:
            if "is_active" in data and not data["is_active"]:
                self.add_error("is_active", "You cannot deactivate yourself.")
            roles = {group.name for group in data.get("groups") or ()}
            held = self.instance.groups.filter(name=PortalRole.ADMIN).exists()
            if "groups" in data and PortalRole.ADMIN not in roles and held:
                self.add_error("groups", "You cannot remove your own admin role.")
        return data
