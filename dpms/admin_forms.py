"""Forms of the people admin: inviting a person (no password) and changing their details and portal roles;
and the autocomplete widgets every admin form uses."""

import zoneinfo
from typing import Any

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.forms import ReadOnlyPasswordHashField
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from dpms.models import PortalRole, User

TIME_ZONE_CHOICES = [("", gettext_lazy("The installation's time zone"))] + [
    (name, name) for name in sorted(zoneinfo.available_timezones())
]


def is_well_formed_id(target, value) -> bool:
    """Whether ``value``, as submitted, is something the model field ``target`` (a key) can hold, so that
    looking it up cannot fail: ``abc`` or ``1.5`` for a number is not, nor a number past the column's
    range."""
    try:
        target.run_validators(target.to_python(value))  # the range validators of an integer column
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


class CheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field tries each value for a ``ValueError`` only, then looks them all up at once
    (``pk__in``): a number past the column's range overflowed there (SQLite), a 500. Each value is checked
    first; a malformed one is the field's "not a valid value" error."""

    def clean(self, value):
        values = self.prepare_value(value)
        if isinstance(values, list | tuple) and self.queryset is not None:
            opts = self.queryset.model._meta
            target = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
            for item in values:
                if not is_well_formed_id(target, item):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                    )
        return super().clean(value)


class _LooksUpOnlyWellFormedIds:
    """Django's autocomplete widgets draw the chosen options again by looking the submitted values up
    (``AutocompleteMixin.optgroups``), as they came: a value that is no id (``abc`` for a number) raised
    ``ValueError`` inside that query (and a number past the column's range, an overflow), so a form the
    field had already refused ("Select a valid choice") was answered with a 500. Here only values the target
    field can hold are looked up; the others are left out of the drawing, and the field's error says what
    was wrong."""

    field: Any  # the model field, set by AutocompleteMixin

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        target = opts.get_field(getattr(remote, "field_name", opts.pk.attname))
        well_formed = [item for item in value if is_well_formed_id(target, item)]
        return super().optgroups(name, well_formed, attr)  # type: ignore[misc]


class CheckedAutocompleteSelect(_LooksUpOnlyWellFormedIds, AutocompleteSelect):
    """The admin's autocomplete for a foreign key, safe with a malformed id."""


class CheckedAutocompleteSelectMultiple(_LooksUpOnlyWellFormedIds, AutocompleteSelectMultiple):
    """The admin's autocomplete for a many-to-many field, safe with a malformed id."""


def portal_roles_field(**kwargs) -> forms.ModelMultipleChoiceField:
    return CheckedModelMultipleChoiceField(
        queryset=Group.objects.filter(name__in=PortalRole.values).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=gettext_lazy("Portal roles"),
        help_text=gettext_lazy(
            "Everyone is staff. Manager is derived from having reports and is not a role."
        ),
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
            raise forms.ValidationError(gettext("Someone has an account with this email address already."))
        return email


class UserChangeForm(forms.ModelForm):
    """A person's details and portal roles. The ModelAdmin sets ``actor``, the admin, per request."""

    actor = None
    password = ReadOnlyPasswordHashField(
        label=gettext_lazy("Password"),
        help_text=gettext_lazy(
            "Raw passwords are not stored. An admin can set one; it must meet the password policy."
        ),
    )
    groups = portal_roles_field()
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, required=False, label=gettext_lazy("Time zone"))

    class Meta:
        model = User
        fields = (
            "email",
            "full_name",
            "job_title",
            "team",
            "manager",
            "time_zone",
            "language",
            "is_active",
            "groups",
        )

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("Someone has an account with this email address already."))
        return email

    def clean(self):
        data = super().clean()
        if self.actor is not None and self.actor.pk == self.instance.pk:
            if "is_active" in data and not data["is_active"]:
                self.add_error("is_active", gettext("You cannot deactivate yourself."))
            roles = {group.name for group in data.get("groups") or ()}
            held = self.instance.groups.filter(name=PortalRole.ADMIN).exists()
            if "groups" in data and PortalRole.ADMIN not in roles and held:
                self.add_error("groups", gettext("You cannot remove your own admin role."))
        return data
