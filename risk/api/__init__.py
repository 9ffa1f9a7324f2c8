"""The risk app's endpoints under /api/v1/risk/, one module per area (as ``risk/views/``), over the same
services and queries as the pages. What they share is here: model serializers that take only values of their
JSON type, and the foundation's pieces they use (``dpms.api.pages``: inline choices, objects fetched through
the pages' access helpers, ids that never reach the database out of range, the pages' filter forms)."""

from django.db import models
from rest_framework import serializers

from dpms.api.fields import StrictBooleanField, StrictCharField, StrictIntegerField
from dpms.api.pages import (
    ANY,
    YES_NO,
    DateFilter,
    FetchedViewSet,
    IdFilter,
    IntegerFilter,
    PageFilterSet,
    choice,
)

# The foundation's API pieces the risk endpoints use, named here once for them.
__all__ = [
    "ANY",
    "YES_NO",
    "DateFilter",
    "FetchedViewSet",
    "IdFilter",
    "IntegerFilter",
    "PageFilterSet",
    "StrictBooleanField",
    "StrictCharField",
    "StrictIntegerField",
    "StrictModelSerializer",
    "choice",
]


# --- Input exactly of the schema's types: JSON's 3 is no text, "3" no number, "yes" no boolean ------------
class StrictModelSerializer(serializers.ModelSerializer):
    """A model serializer whose text, number and boolean fields take only values of their JSON type."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.BooleanField: StrictBooleanField,
    }
