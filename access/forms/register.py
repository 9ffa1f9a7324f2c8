"""Forms of the access register: list filters, granting a role and revoking a grant."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from access.choices import DataClassification, Environment
from access.models import Role, System
from access.queries.register import system_owners
from dpms.forms import LookupField, row_id
from dpms.models import Team, User

BLANK = [("", gettext_lazy("Any"))]


class SystemFilterForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=150, label=gettext_lazy("Search"), widget=forms.SearchInput()
    )
    environment = forms.ChoiceField(
        required=False, choices=BLANK + Environment.choices, label=gettext_lazy("Environment")
    )
    classification = forms.ChoiceField(
        required=False, choices=BLANK + DataClassification.choices, label=gettext_lazy("Data classification")
    )
    owner = forms.ModelChoiceField(
        required=False,
        queryset=User.objects.none(),
        empty_label=gettext_lazy("Any"),
        label=gettext_lazy("Owner"),
    )
    findings = forms.BooleanField(required=False, label=gettext_lazy("With open findings only"))
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("name", gettext_lazy("Name")),
            ("-name", gettext_lazy("Name, Z to A")),
            ("environment", gettext_lazy("Environment")),
            ("classification", gettext_lazy("Classification")),
            ("-holders", gettext_lazy("Most holders")),
            ("-privileged", gettext_lazy("Most privileged holders")),
        ],
        label=gettext_lazy("Sort"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = system_owners()


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """A model choice field's options read with one plain query, and none for an empty queryset: Django's
    iterator reads them through ``QuerySet.iterator()``, which on PostgreSQL opens a server-side cursor
    (declare, fetch, close: three round trips for a hundred teams), and builds the SQL of a ``none()``
    before it finds there is nothing to read, on every page that draws the form."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.queryset.query.is_empty():
            return
        for row in self.queryset:
            yield self.choice(row)


class GrantFilterForm(forms.Form):
    person = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": gettext_lazy("name or email")}),
        label=gettext_lazy("Person"),
    )
    system = LookupField(
        System.objects.order_by("name"),
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": gettext_lazy("name")}),
        label=gettext_lazy("System"),
    )
    role = forms.ModelChoiceField(
        required=False,
        queryset=Role.objects.select_related("system").order_by("system__name", "name"),
        empty_label=gettext_lazy("Any"),
        help_text=gettext_lazy("Choose a system first: its roles are offered then."),
        label=gettext_lazy("Role"),
    )
    role.iterator = ListedChoiceIterator
    privileged = forms.ChoiceField(
        required=False,
        choices=BLANK + [("yes", gettext_lazy("Privileged")), ("no", gettext_lazy("Not privileged"))],
        label=gettext_lazy("Privileged"),
    )
    environment = forms.ChoiceField(
        required=False, choices=BLANK + Environment.choices, label=gettext_lazy("Environment")
    )
    team = forms.ModelChoiceField(
        required=False,
        queryset=Team.objects.only("name").order_by("name"),
        empty_label=gettext_lazy("Any"),
        label=gettext_lazy("Team"),
    )
    team.iterator = ListedChoiceIterator
    expiring = forms.BooleanField(required=False, label=gettext_lazy("Expiring within 30 days"))
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("active", gettext_lazy("Active")),
            ("revoked", pgettext_lazy("access", "Revoked")),
            ("all", gettext_lazy("All")),
        ],
        initial="active",
        label=gettext_lazy("Status"),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("person", gettext_lazy("Person")),
            ("system", gettext_lazy("System")),
            ("role", gettext_lazy("Role")),
            ("-granted", gettext_lazy("Newest first")),
            ("granted", gettext_lazy("Oldest first")),
            ("expires", gettext_lazy("Expires soonest")),
        ],
        label=gettext_lazy("Sort"),
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
        label=gettext_lazy("Person's email"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        max_length=254,
    )
    role = forms.ModelChoiceField(queryset=Role.objects.none(), label=gettext_lazy("Role"))
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label=gettext_lazy("Justification")
    )
    expires_at = forms.DateField(
        required=False,
        label=gettext_lazy("Access ends on (optional)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Temporary access: the grant ends at the end of this day."),
    )

    def __init__(self, *args, system: System, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = system
        self.fields["role"].queryset = Role.objects.filter(system=system).order_by("-privileged", "name")
        self.fields["role"].label_from_instance = lambda role: (
            _("%(role)s (privileged)") % {"role": role.name} if role.privileged else role.name
        )

    def clean_person(self):
        email = self.cleaned_data["person"].strip().lower()
        person = User.objects.people().filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError(_("No one in the portal has this email."))
        if not person.is_active:
            raise forms.ValidationError(_("This person is deactivated."))
        return person

    def clean_justification(self):
        text = self.cleaned_data["justification"].strip()
        if not text:
            raise forms.ValidationError(_("Say why this person needs the role."))
        return text

    def clean_expires_at(self):
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        if day < timezone.localdate():
            raise forms.ValidationError(_("The end of temporary access must not be in the past."))
        # The end of that day in the viewer's timezone, stored in UTC.
        return datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, tzinfo=timezone.get_current_timezone()
        )


class GrantRevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": gettext_lazy("Say why the access is revoked.")},
    )

    def clean_reason(self):
        text = self.cleaned_data["reason"].strip()
        if not text:
            raise forms.ValidationError(_("Say why the access is revoked."))
        return text
