"""The vulnerabilities app's endpoints under /api/v1/ (``vulnerabilities/`` and ``components/``), one
module per area (as ``vulnerabilities/views/``), over the same services, queries and forms as the pages.
What they share is here: choice fields listed inline in the schema, objects fetched through the pages'
access helpers, and list filters validated by the pages' own filter forms."""

import django_filters
from django import forms
from django.forms.utils import ErrorDict
from django.http import Http404
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from dpms.forms import row_id

ANY = ("", "Any")
YES_NO = [ANY, ("true", "Yes"), ("false", "No")]


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field whose values are listed inline in the schema: "status" and "severity" are different
    sets here than in other apps, and drf-spectacular would otherwise make clashing enum components."""
    choices = list(choices)
    options: list[dict] = [{"const": value, "title": str(label)} for value, label in choices]
    if kwargs.get("allow_null"):
        options.append({"type": "null"})
    field_class = extend_schema_field({"oneOf": options})(
        type("VulnerabilityChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


class FetchedViewSet(viewsets.GenericViewSet):
    """Objects fetched through the page's access helper (``fetch``: 404 when hidden, 403 when not allowed);
    an id that is no row id is a 404."""

    def fetch(self, pk: int):
        raise NotImplementedError

    def get_object(self):
        pk = row_id(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        if pk is None:
            raise Http404
        obj = self.fetch(pk)
        self.check_object_permissions(self.request, obj)
        return obj


class PageFilterSet(django_filters.FilterSet):
    """A list's filters as its page has them: the declared filters type the parameters for the schema; the
    page's filter form (``page_form``) validates them; ``apply`` hands its cleaned data to the page's
    query."""

    def page_form(self) -> forms.Form:
        raise NotImplementedError

    def apply(self, queryset, data: dict):
        raise NotImplementedError

    def by_page(self, queryset, name, value):
        return queryset  # applied together in filter_queryset, by the page's rules

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
