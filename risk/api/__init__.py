"""The risk app's endpoints under /api/v1/risk/, one module per area (as ``risk/views/``), over the same
services and queries as the pages. What they share is here: a service's refusal turned into the API's answer
(one mapping for every endpoint of the app), objects fetched through the pages' access helpers, and ids that
never reach the database out of range."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from dpms.forms import row_id


def service_error_detail(error: DjangoValidationError) -> dict:
    """A service's ValidationError as field errors: next to the field it names, else under
    ``non_field_errors`` (as ``dpms.forms.add_service_errors`` shows it on the page's form)."""
    if hasattr(error, "error_dict"):
        return {
            field: [str(message) for message in messages] for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


@contextmanager
def service_errors():
    """Call a service: its ValidationError is a 400 with field errors; its PermissionDenied a 403 and an
    Http404 a 404 (the foundation's handler). The service's transaction is rolled back: nothing half saved."""
    try:
        yield
    except DjangoValidationError as error:
        raise serializers.ValidationError(service_error_detail(error)) from error


class RowField(serializers.PrimaryKeyRelatedField):
    """A related row by id; an id outside the 64-bit range is "not found" (SQLite raises OverflowError on
    it, a 500, where PostgreSQL merely finds nothing), as ``dpms.forms.row_id`` decides for the pages."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or row_id(data) is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field whose values are listed inline in the schema (``oneOf`` of ``const``s, each with its
    label): "status" is a different set on a risk, an action, an acceptance (and in other apps), and
    drf-spectacular would make clashing enum components of them."""
    choices = list(choices)
    options: list[dict] = [{"const": value, "title": str(label)} for value, label in choices]
    if kwargs.get("allow_null"):
        options.append({"type": "null"})
    field_class = extend_schema_field({"oneOf": options})(
        type("InlineChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


class FetchedViewSet(viewsets.GenericViewSet):
    """Objects fetched through the page's access helper (``fetch``: 404 when hidden, 403 when not allowed),
    not through ``get_queryset``; list it after ``ConditionalMixin``, which checks ``If-Match`` on what this
    returns. An id that is no row id is a 404."""

    def fetch(self, pk: int):
        raise NotImplementedError

    def get_object(self):
        pk = row_id(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        if pk is None:
            raise Http404
        obj = self.fetch(pk)
        self.check_object_permissions(self.request, obj)
        return obj
