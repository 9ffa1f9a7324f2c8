"""What the incident endpoints share: the page's own forms as the API's input (``form_serializer``,
``bound_form``), service refusals as problem details (``run_service``), fetching an incident through the
page's access helper (``IncidentAccess``), and the short representation of a person.

The rules of an action's input live once, in the page's form and the service it calls. ``form_serializer``
derives a DRF serializer from the form's fields (types, choices, lengths, required): the OpenAPI schema shows
it, and it refuses a wrong type (a list for a date) before the form sees it. The form then validates and
converts (a person by email, a local time) as on the page; the service checks again and decides.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from dpms.api.conventions import form_errors
from dpms.api.fields import StrictBooleanField
from dpms.forms import LookupField, MultipleFileField, PersonField, add_service_errors, row_id
from incidents.choices import Category, PersonalData, Severity, Status
from incidents.models import Incident
from incidents.queries.detail import linked_risks, linked_systems
from incidents.queries.visibility import can_take_part, get_incident_for_user, sees_internal

NON_FIELD = "non_field_errors"
MAX_ID = 2**63 - 1  # a row id beyond the 64-bit range overflows on SQLite (a 500), as dpms.forms.row_id says


class IncidentPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


def _choices(field) -> list:
    return [(value, label) for value, label in field.choices if value not in ("", None)]


def serializer_field(field: forms.Field) -> serializers.Field:
    """The DRF field that accepts what ``field`` accepts (shape only: the form decides the rest)."""
    common: dict = {"required": field.required, "help_text": str(field.help_text or "") or None}
    if field.required and field.initial is not None and not callable(field.initial):
        # The page always sends it, prefilled with this value: the API defaults to the same.
        common |= {"required": False, "default": field.initial}
    if field.label:
        common["label"] = str(field.label)
    optional = not field.required
    if isinstance(field, MultipleFileField):
        return serializers.ListField(child=serializers.FileField(), **common)
    if isinstance(field, PersonField):
        return serializers.CharField(
            max_length=254, **common | {"help_text": "The person's email address (or id)."}
        )
    if isinstance(field, LookupField):
        return serializers.CharField(max_length=254, allow_blank=optional, **common)
    if isinstance(field, forms.ModelMultipleChoiceField):
        child = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        return serializers.ListField(child=child, max_length=1000, **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(min_value=1, max_value=MAX_ID, **common)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.ListField(child=_choice(field, allow_blank=False), **common)
    if isinstance(field, forms.ChoiceField):
        return _choice(field, allow_blank=optional, **common)
    if isinstance(field, forms.BooleanField):
        return StrictBooleanField(default=False, **common | {"required": False})
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(
            allow_null=optional, **common | {"help_text": _with_zone(common["help_text"])}
        )
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=optional, **common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(
            min_value=field.min_value, max_value=field.max_value, allow_null=optional, **common
        )
    if isinstance(field, forms.EmailField):
        return serializers.EmailField(allow_blank=optional, **common)
    if isinstance(field, forms.CharField):
        return serializers.CharField(
            max_length=field.max_length, allow_blank=optional, trim_whitespace=False, **common
        )
    raise TypeError(f"No API field for the form field {type(field).__name__}")


def _choice(field, **kwargs) -> serializers.ChoiceField:
    return choice_field(_choices(field), **kwargs)


def choice_field(choices, **kwargs) -> serializers.ChoiceField:
    """A choice described inline in the schema, each value with its label (``oneOf`` of ``const``s): the same
    name ("status", "severity") means different sets in different places and apps, and drf-spectacular
    would make clashing enum components of them."""
    choices = list(choices)
    options: list[dict] = [{"const": value, "title": str(label)} for value, label in choices]
    if kwargs.get("allow_null"):
        options.append({"type": "null"})
    if kwargs.get("allow_blank"):
        options.append({"const": "", "title": "(none)"})
    schema = {"oneOf": options}
    # On a class of its own: a serializer copies its fields anew, keeping their class but not attributes.
    inline = type(
        "InlineChoiceField", (serializers.ChoiceField,), {"_spectacular_annotation": {"field": schema}}
    )
    return inline(choices=choices, **kwargs)


def _with_zone(text: str | None) -> str:
    return "ISO 8601 with its UTC offset, e.g. 2026-03-01T09:30:00+01:00."


def form_serializer(form_class, name: str, *, exclude=(), **form_kwargs) -> type[serializers.Serializer]:
    """A serializer named ``name`` with the fields of ``form_class`` (built unbound with ``form_kwargs``,
    so fields its ``__init__`` sets up are there), less ``exclude``."""
    form = form_class(**form_kwargs)
    fields = {key: serializer_field(field) for key, field in form.fields.items() if key not in exclude}
    doc = (form_class.__doc__ or "").strip() or f"The input of the page's {form_class.__name__}."
    return type(name, (serializers.Serializer,), {**fields, "__doc__": doc, "__module__": __name__})


def bound_form(request, serializer_class, form_class, **form_kwargs):
    """``form_class`` bound to the request's body, valid (a 400 with field errors otherwise): the body's
    shape is checked by ``serializer_class`` first, then the form validates it as on the page."""
    shape = serializer_class(data=request.data)
    shape.is_valid(raise_exception=True)
    data = {key: value for key, value in shape.validated_data.items() if value is not None}
    files = {}
    for key in list(data):
        if isinstance(form_class.base_fields.get(key), MultipleFileField):
            files[key] = data.pop(key)
    form = form_class(data, _Files(files), prefix="", **form_kwargs)
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    return form


class _Files(dict):
    """The uploads for a form, as Django's ``request.FILES`` offers them (a list per field)."""

    def getlist(self, key, default=None):
        return list(self.get(key, default or []))


def run_service(form, call):
    """``call()``, with a service's refusal as the page shows it: a ValidationError next to the field it
    names (a 400 listing it), a PermissionDenied a 403 (by the problem details handler)."""
    try:
        return call()
    except DjangoValidationError as error:
        if form is None:
            raise ValidationError({NON_FIELD: error.messages}) from None
        add_service_errors(form, error)
        raise ValidationError(form_errors(form)) from None


# Who may call an action on an incident, as the incident page decides (``incidents.views.detail``): "see"
# anyone who sees it; "take_part" the same but auditors; "respond" its handler and the security officers
# who see it; "triage" those security officers.
SEE, TAKE_PART, RESPOND, TRIAGE = "see", "take_part", "respond", "triage"


class IncidentAccess:
    """Fetches the incident of a detail route through ``get_incident_for_user``: 404 when the caller may not
    see it, 403 when they see it but may not do the action (``@action(..., access_level=RESPOND)``; the
    detail and read routes: "see")."""

    access_level = SEE

    def get_object(self):
        request = self.request  # type: ignore[attr-defined]
        lookup = self.kwargs.get("pk")  # type: ignore[attr-defined]
        pk = row_id(lookup)
        if pk is None:
            raise Http404("No such incident.")
        level = self.access_level
        incident = get_incident_for_user(
            request.user, pk, for_change=level == RESPOND, for_triage=level == TRIAGE
        )
        if level == TAKE_PART and not can_take_part(request.user, incident):
            raise PermissionDenied("Auditors read incidents; they change nothing.")
        return incident


class IncidentSerializer(serializers.ModelSerializer):
    """An incident as its page shows it to the caller. ``is_breach`` is internal: null for a caller who only
    follows their own report (the breach and escalation details have their own endpoints)."""

    handler = IncidentPersonSerializer(allow_null=True, read_only=True)
    reported_by = IncidentPersonSerializer(read_only=True)
    category = choice_field(Category.choices, read_only=True)
    status = choice_field(Status.choices, read_only=True)
    severity = choice_field(Severity.choices, read_only=True, allow_null=True)
    personal_data = choice_field(PersonalData.choices, read_only=True)
    triaged_by = IncidentPersonSerializer(allow_null=True, read_only=True)
    acknowledged_by = IncidentPersonSerializer(allow_null=True, read_only=True)
    systems = serializers.SerializerMethodField()
    risks = serializers.SerializerMethodField(help_text="The references of the linked risks you may see.")
    is_breach = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id", "reference", "title", "description", "category", "status", "severity", "handler",
            "reported_by", "reported_at", "noticed_at", "occurred_at", "personal_data", "systems", "risks",
            "confidential", "is_breach", "triaged_at", "triaged_by", "acknowledged_at", "acknowledged_by",
            "contained_at", "resolved_at", "closed_at", "dismissed_at", "dismissal_reason", "root_cause",
            "lessons_learned", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_systems(self, incident):
        return [system.name for system in linked_systems(incident)]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_risks(self, incident):
        request = self.context.get("request")
        return [risk.reference for risk in linked_risks(request.user, incident)] if request else []

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_is_breach(self, incident):
        request = self.context.get("request")
        return incident.is_breach if request and sees_internal(request.user, incident) else None
