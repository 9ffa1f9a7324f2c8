"""Forms of the foundation: the audit trail filter, the invitation's first password, and the fields every
app's forms share (a person by email, a choice among thousands typed by name, files, service errors)."""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dpms import audit_words
from dpms.models import User, WebhookEvent


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Actor"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("name or email")}),
    )
    action = forms.CharField(
        required=False,
        max_length=100,
        label=gettext_lazy("Action"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. auth."), "list": "audit-actions"}),
    )
    object_type = forms.ChoiceField(required=False, label=gettext_lazy("Object type"))
    object_id = forms.CharField(required=False, max_length=64, label=gettext_lazy("Object id"))
    object_text = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Object"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("label contains")}),
    )
    date_from = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, object_types=None, **kwargs):
        """``object_types``: the types the trail holds (``queries.known_audit_names``), offered by readable
        name; without them (the API) any type a model or the trail could name is accepted. Any other value
        is a form error, never a failure."""
        super().__init__(*args, **kwargs)
        kinds = audit_words.every_object_type() if object_types is None else object_types
        self._object_types = set(kinds)
        if isinstance(self.fields["object_type"], forms.ChoiceField):  # the API's filter set has a text box
            self.fields["object_type"].choices = [
                ("", gettext_lazy("Any type")),
                *audit_words.object_type_choices(kinds),
            ]

    def clean_object_type(self):
        kind = self.cleaned_data.get("object_type") or ""
        if kind and kind not in self._object_types:
            raise forms.ValidationError(_("Select a valid choice: no object of this type is known."))
        return kind

    def _plausible(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and not 1900 <= day.year <= 9998:
            raise forms.ValidationError(_("Choose a date between 1900 and 9998."))
        return day

    def clean_date_from(self):
        return self._plausible("date_from")

    def clean_date_to(self):
        return self._plausible("date_to")

    def clean(self):
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The start date must not be after the end date."))
        return data


class SetPasswordForm(forms.Form):
    """The first password, set from an invitation link, under the same policy as everywhere else."""

    password1 = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(password_validators_help_text_html, str)(),
    )
    password2 = forms.CharField(
        label=gettext_lazy("New password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class PersonInput(forms.EmailInput):
    """An email box with a short list of suggestions (a <datalist>), instead of a <select> of every person:
    with thousands of people a select makes every page that shows the form megabytes long."""

    template_name = "dpms/widgets/person_input.html"

    def __init__(self, attrs=None, suggestions=None):
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})
        self.suggestions = suggestions

    def format_value(self, value):
        if isinstance(value, User):
            return value.email
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["list_id"] = f"{widget['attrs'].get('id') or name}-people"
        widget["attrs"]["list"] = widget["list_id"]
        people = self.suggestions() if self.suggestions else []
        # A queryset is read here, for what a suggestion shows; a list is people a page read once for the
        # several boxes that suggest them.
        if isinstance(people, models.QuerySet):
            people = people.only("email", "full_name")
        widget["suggestions"] = list(people)
        return context


def row_id(value) -> int | None:
    """``value`` as a row id, or None when it is not a whole number in the 64-bit range (an id beyond it
    makes SQLite raise OverflowError, a 500, where PostgreSQL merely finds nothing)."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


class PersonField(forms.Field):
    """An active person, given by email address (case-insensitive); ``suggestions`` is a callable returning
    the people to offer in the list (e.g. the security officers). A numeric value is taken as the person's
    id, so a client posting ids (the tests, scripts) keeps working."""

    widget = PersonInput
    default_error_messages = {"unknown": gettext_lazy("No active person has this email address.")}

    def __init__(self, *, suggestions=None, **kwargs):
        super().__init__(**kwargs)
        self.widget.suggestions = suggestions

    def to_python(self, value):
        if isinstance(value, User):
            return value
        value = str(value or "").strip()
        if not value:
            return None
        if "\x00" in value:  # no one's email; PostgreSQL refuses it in a query (a 500)
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        people = User.objects.people().filter(is_active=True)
        if value.isdigit():
            pk = row_id(value)
            person = people.filter(pk=pk).first() if pk is not None else None
        else:
            person = people.filter(email__iexact=value).first()
        if person is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return person


class LookupField(forms.ModelChoiceField):
    """A choice among thousands (systems, people) typed instead of picked from a list of every row: the page
    stays small however many there are. The value is an id (links and scripts), an exact name in one of
    ``fields`` (case-insensitive), or part of one that only one row has; the box shows the row's name."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid_choice": gettext_lazy("Nothing matches this; check the spelling."),
        "ambiguous": gettext_lazy("%(count)s match this; type more of the name."),
    }

    def __init__(self, queryset, *, fields: tuple[str, ...] = ("name",), **kwargs):
        kwargs.setdefault("empty_label", None)
        super().__init__(queryset, **kwargs)
        self.lookup_fields = fields

    def _name(self, row) -> str:
        return str(getattr(row, self.lookup_fields[0]))

    def _matching(self, lookup: str, value: str) -> Q:
        """Rows whose name in any of ``lookup_fields`` matches ``value`` by ``lookup``."""
        matching = Q()
        for field in self.lookup_fields:
            matching |= Q(**{f"{field}__{lookup}": value})
        return matching

    def to_python(self, value):
        value = str(value or "").strip()
        if not value or self.queryset is None:
            return None
        if value.isdigit():
            pk = row_id(value)
            row = self.queryset.filter(pk=pk).first() if pk is not None else None
        else:
            row = self.queryset.filter(self._matching("iexact", value)).first()
            if row is None:
                partial = self._matching("icontains", value)
                found = list(self.queryset.filter(partial)[:2])
                if len(found) > 1:
                    count = self.queryset.filter(partial).count()
                    raise forms.ValidationError(
                        self.error_messages["ambiguous"], code="ambiguous", params={"count": count}
                    )
                row = found[0] if found else None
        if row is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return row

    def prepare_value(self, value):
        if isinstance(value, models.Model):
            return self._name(value)
        text = str(value or "").strip()
        pk = row_id(text)
        if pk is not None and self.queryset is not None:
            row = self.queryset.filter(pk=pk).first()
            return self._name(row) if row is not None else text
        return text


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids outside the 64-bit range with the field's message: SQLite raises
    OverflowError on them (a 500) where PostgreSQL merely finds nothing."""

    def _check_values(self, value):  # Django's private hook, not in the stubs
        key = self.to_field_name or "pk"
        model = self.queryset.model if self.queryset is not None else None
        if key == "pk" and model and model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
            for pk in value:
                if row_id(pk) is None:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)  # type: ignore[misc]  # as above


def validate_plausible_moment(value):
    """Refuse dates at the ends of the calendar: converting them between time zones overflows (a 500)."""
    if value is not None and not 1900 <= value.year <= 9998:
        raise forms.ValidationError(_("Choose a date between 1900 and 9998."), code="implausible")


def add_service_errors(form, error) -> None:
    """Show a service's refusal (a ValidationError) on the form: next to the field it names, else above the
    form. Every view that calls a service with a form's data uses this."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's "Uploading multiple files"); cleans to a list, maybe empty."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ApiTokenForm(forms.Form):
    """A new personal access token: its name, its life, its access and the networks it may be used from."""

    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("What it is for, e.g. “nightly grant import”."),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        initial=90,
        help_text=gettext_lazy("At most a year; it stops working after that."),
    )
    read_write = forms.BooleanField(
        required=False,
        label=gettext_lazy("Allow changes"),
        help_text=gettext_lazy("Without this the token may only read."),
    )
    allowed_networks = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Allowed networks"),
        help_text=gettext_lazy("One address or network per line (e.g. 10.1.0.0/16); empty: from anywhere."),
    )

    def __init__(self, *args, max_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].validators.append(MaxValueValidator(max_days))
        self.fields["days"].widget.attrs["max"] = max_days

    def clean_allowed_networks(self) -> list[str]:
        import ipaddress

        networks = []
        for line in self.cleaned_data["allowed_networks"].splitlines():
            if not line.strip():
                continue
            try:
                networks.append(str(ipaddress.ip_network(line.strip(), strict=False)))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(line)s” is not an address or network.") % {"line": line.strip()[:60]}
                ) from None
        if len(networks) > 20:
            raise forms.ValidationError(_("At most 20 networks."))
        return networks


class WebhookForm(forms.Form):
    """A webhook's address, the events it is told about, and (when changing it) whether it is on."""

    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        label=gettext_lazy("Address"),
        help_text=gettext_lazy("An https:// address of a public host; DPMS POSTs JSON to it."),
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Tell it about")
    )
    enabled = forms.BooleanField(required=False, initial=True, label=gettext_lazy("On"))

    def clean_url(self):
        from dpms.webhook_delivery import UnsafeAddress, check_url

        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except UnsafeAddress as exc:
            raise forms.ValidationError(str(exc)) from None
        return url


class NotificationPreferencesForm(forms.Form):
    """Per kind of notification one may choose (``dpms.notify.KINDS``): by email too, or in the app only."""

    CHOICES = [("email", gettext_lazy("Email and in the app")), ("app", gettext_lazy("In the app only"))]

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label, help_text=kind.about, choices=self.CHOICES, widget=forms.RadioSelect
            )

    def emailed(self) -> dict[str, bool]:
        return {key: value == "email" for key, value in self.cleaned_data.items()}


class AccountPreferencesForm(forms.Form):
    """A person's language and time zone, under their account. Each language is named in itself
    ("Deutsch"), so a person who cannot read the page they are on still finds their own."""

    language = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Language"),
        help_text=gettext_lazy("Pages, e-mails and notifications come in this language."),
        choices=[("", gettext_lazy("Your browser's language")), *settings.LANGUAGES],
    )
    time_zone = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("Dates and times on pages and in e-mails are shown in this time zone."),
        choices=[
            ("", format_lazy(gettext_lazy("The installation's time zone ({zone})"), zone=settings.TIME_ZONE)),
            *((name, name) for name in sorted(zoneinfo.available_timezones())),
        ],
    )
