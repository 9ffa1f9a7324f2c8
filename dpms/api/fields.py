"""Serializer fields that take a JSON body's values exactly of the schema's types: JSON's 3 is no text, "3"
no number, and "yes" or 0 no boolean (DRF's own fields coerce them, which schemathesis' invalid-input checks
refuse). A multipart form (an upload) carries every value as text, so there they read text as DRF does."""

from rest_framework import serializers

from dpms.forms import row_id


def is_whole_number(data) -> bool:
    return not isinstance(data, bool) and (
        isinstance(data, int) or (isinstance(data, float) and data.is_integer())
    )


def _posted_as_form(field: serializers.Field) -> bool:
    try:
        request = field.context.get("request")
    except AttributeError:  # not bound to a serializer
        return False
    return request is not None and not (getattr(request, "content_type", "") or "").startswith(
        "application/json"
    )


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if not is_whole_number(data) and not (isinstance(data, str) and _posted_as_form(self)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if not (isinstance(data, str) and _posted_as_form(self)):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


class RowField(serializers.PrimaryKeyRelatedField):
    """A related row by its id, a JSON number; an id outside the 64-bit range is "not found" (SQLite raises
    OverflowError on it, a 500, where PostgreSQL merely finds nothing), as ``dpms.forms.row_id`` decides
    for the pages."""

    def to_internal_value(self, data):
        if not is_whole_number(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if row_id(int(data)) is None:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(int(data))
