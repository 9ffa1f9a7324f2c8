"""What every domain app's API shares with its pages: choice fields listed inline in the schema, objects
fetched through the page's access helper, and list filters typed as the schema says and then validated by the
page's own filter form and applied by the page's own query (risk and vulnerabilities use them)."""

import django_filters
from django import forms
from django.forms.utils import ErrorDict
from django.http import Http404
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from dpms.forms import row_id


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field whose values are listed inline in the schema (``oneOf`` of ``const``s, each with its
    label): "status" is a different set on a risk, an action, an acceptance, a vulnerability, and
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


# --- Filters: typed as the schema says, then the page's own form and query ---------------------------------
ANY = ("", "Any")
YES_NO = [ANY, ("true", "Yes"), ("false", "No")]


class _SentIntegerField(forms.IntegerField):
    empty_values = [None]  # a parameter sent empty is a 400 (the schema says a number); one left out is none


class _SentDateField(forms.DateField):
    empty_values = [None]


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number (a decimal or an empty value is a 400)."""

    field_class = _SentIntegerField


class DateFilter(django_filters.DateFilter):
    """A day, YYYY-MM-DD (an empty value is a 400)."""

    field_class = _SentDateField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(IntegerFilter):
    """A row id: a whole number in the 64-bit range (anything else is a 400, never a database error)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class PageFilterSet(django_filters.FilterSet):
    """A list's filters as its page has them. The declared filters type the parameters (the schema's, and
    checked first: a value the schema refuses is a 400); the page's own filter form (``page_form``) then
    validates them by its rules, and ``apply`` hands its cleaned data to the page's query function. Choice
    parameters include "" (any), as on the page."""

    def page_form(self) -> forms.Form:
        raise NotImplementedError

    def apply(self, queryset, data: dict):
        raise NotImplementedError

    def by_page(self, queryset, name, value):
        return queryset  # every filter is applied together in filter_queryset, by the page's rules

    @cached_property
    def page(self) -> forms.Form:
        return self.page_form()

    def is_valid(self):
        return super().is_valid() and self.page.is_valid()

    @property
    def errors(self):
        errors = ErrorDict()
        errors.update(self.page.errors)
        errors.update(self.form.errors)
        return errors

    def filter_queryset(self, queryset):
        return self.apply(queryset, dict(self.page.cleaned_data))
