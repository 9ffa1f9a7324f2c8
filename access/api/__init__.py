"""The access app's endpoints (one module per area, as in services/, queries/ and views/) and what they share:
request bodies and list filters validated by the pages' own forms, objects fetched through the queries'
access helpers, and a service's refusal turned into the same answer the page gives (400 with the field it
names, 403), in one place."""

from collections.abc import Mapping

import django_filters
from django import forms
from django.http import Http404, QueryDict
from rest_framework import exceptions, serializers

from dpms.api.conventions import form_errors, service_errors

NON_FIELD = "non_field_errors"
YES_NO = ("true", "false")
LARGEST_ID = 2**63 - 1  # a larger id would overflow SQLite's integer (a 500): nothing has it, so a 404


def refusals(fields=()):
    """Around a service call: its ValidationError is a 400 naming a field only when the request has it
    (else a non-field error), a PermissionError a 403 (``dpms.api.conventions.service_errors``)."""
    return service_errors(fields=tuple(fields))


def checked_id(value) -> int:
    """A URL's id, or a 404 when no row could have it."""
    number = int(value)
    if number > LARGEST_ID:
        raise Http404
    return number


class HelperObject:
    """A viewset whose objects are fetched by the queries' access helper (``fetch_object(pk)``: 404 when the
    person may not see it, 403 when they may not act), the same helper the page uses. Mixed in after
    ``ConditionalMixin`` so ``If-Match`` is checked on the object the helper gave."""

    def get_object(self):
        kwarg = self.lookup_url_kwarg or self.lookup_field  # type: ignore[attr-defined]
        obj = self.fetch_object(checked_id(self.kwargs[kwarg]))  # type: ignore[attr-defined]
        self.check_object_permissions(self.request, obj)  # type: ignore[attr-defined]
        return obj

    def fetch_object(self, pk: int):
        raise NotImplementedError


def _json_type_problem(field: serializers.Field, value) -> str | None:
    """Why ``value`` (from JSON) does not have the type the schema gives ``field``, or None."""
    if value is None:
        return None if field.allow_null else "This field may not be null."
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Send true or false."
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Send a whole number."
    if isinstance(field, serializers.DecimalField):
        ok = isinstance(value, str | int | float) and not isinstance(value, bool)
        return None if ok else "Send a number."
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return "Send a list."
        problems = [_json_type_problem(field.child, item) for item in value]
        return next((problem for problem in problems if problem), None)
    if isinstance(field, serializers.CharField | serializers.DateField | serializers.ChoiceField):
        if not isinstance(value, str):
            return "Send text."
        if value == "" and not getattr(field, "allow_blank", False):
            return "This field may not be blank."
    return None


class FormInput(serializers.Serializer):
    """A request body checked by the page's own form (``form_class``; its rules are kept there only): the
    declared fields describe the body (for the schema), the form validates it, so a 400 lists every field
    the page would mark, and its ``cleaned_data`` is the result. ``context["form_kwargs"]`` is passed to
    the form (e.g. the system)."""

    form_class: type[forms.BaseForm]

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError({NON_FIELD: ["Send a JSON object."]})
        return data

    def type_errors(self) -> dict:
        """The values that are not of the type the schema gives their field."""
        errors = {}
        posted = isinstance(self.initial_data, QueryDict)
        for name, field in self.fields.items():
            if name not in self.initial_data:
                continue
            value = self.initial_data[name]
            if posted:  # multipart: text; a yes/no is "true" or "false", as the schema's boolean
                if isinstance(field, serializers.BooleanField) and str(value).lower() not in YES_NO:
                    errors[name] = ["Send true or false."]
                continue
            problem = _json_type_problem(field, value)
            if problem:
                errors[name] = [problem]
        return errors

    def form_data(self) -> dict:
        return {name: self.initial_data[name] for name in self.fields if name in self.initial_data}

    def _as_posted(self, data: dict) -> tuple[dict, dict]:
        """JSON values as a browser posts them (text, or a list of texts for a multiple choice), so the
        form sees what it was written for; a value of the wrong shape is an error of its field."""
        posted, wrong = {}, {}
        fields = self.form_class.base_fields
        for name, value in data.items():
            field = fields.get(name)
            multiple = field is not None and getattr(field.widget, "allow_multiple_selected", False)
            if value is None:
                continue  # as a browser leaves out an empty field
            if isinstance(value, bool) and isinstance(field, forms.BooleanField):
                posted[name] = value
            elif isinstance(value, list) and multiple:
                if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
                    wrong[name] = ["Send a list of ids."]
                else:
                    posted[name] = [str(v) for v in value]
            elif isinstance(value, list | dict):
                wrong[name] = ["Send a single value."]
            else:
                posted[name] = str(value).lower() if isinstance(value, bool) else str(value)
            sent = posted.get(name)
            texts = [sent] if isinstance(sent, str) else sent if isinstance(sent, list) else []
            if any("\x00" in text for text in texts):
                # Not every page field refuses them (a person's email), and PostgreSQL refuses them in text.
                wrong[name] = ["Null characters are not allowed."]
                posted.pop(name)
        return posted, wrong

    def form_files(self) -> dict | None:
        return None

    def validate(self, attrs):
        mistyped = self.type_errors()
        data, wrong = self._as_posted(
            {name: value for name, value in self.form_data().items() if name not in mistyped}
        )
        wrong.update(mistyped)
        form = self.form_class(data=data, files=self.form_files(), **self.context.get("form_kwargs", {}))
        if not form.is_valid() or wrong:
            # every field the page would mark, a value of the wrong type named as such
            raise serializers.ValidationError({**form_errors(form), **wrong})
        self.form = form
        return form.cleaned_data


def form_input(serializer_class: type[FormInput], request, **form_kwargs) -> dict:
    """Validate ``request``'s body with ``serializer_class`` (a 400 with the field errors) and return the
    page form's cleaned data."""
    serializer = serializer_class(data=request.data, context={"request": request, "form_kwargs": form_kwargs})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PageFormFilter(django_filters.FilterSet):
    """A list's filters as the page has them: the declared filters only describe the query parameters (for
    the schema); the page's filter form (``page_form(data)``) validates them, a 400 with its errors when
    they are not valid, and the page's query (``apply(queryset, cleaned_data)``) applies them."""

    def page_form(self, data) -> forms.Form:
        raise NotImplementedError

    def apply(self, queryset, cleaned: dict):
        raise NotImplementedError

    def filter_queryset(self, queryset):
        form = self.page_form(self.data)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        return self.apply(queryset, form.cleaned_data)


def described(queryset, name, value):
    """The method of a declared filter: nothing by itself (``PageFormFilter`` applies them together)."""
    return queryset


def one_of(values, help_text: str = "") -> django_filters.CharFilter:
    """A filter taking one of ``values``, described as text (the page's form says which are valid, and an
    empty value means any, as on the page), not as an enum the schema would hold every other value against."""
    listed = "One of: " + ", ".join(values) + "."
    return django_filters.CharFilter(method=described, help_text=f"{help_text} {listed}".strip())
