"""The incident queue through the API: the incidents the caller may see, filtered exactly as the queue page
filters them (its own form, ``QueueFilterForm``, validates the filters; ``filter_queue`` applies them), newest
(or oldest) first in cursor pages: the page's other sorts are computed per row, which a cursor cannot page
through."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers

from dpms.api.conventions import CursorPage
from incidents.api.common import IncidentPersonSerializer, choice_field
from incidents.choices import Severity, Status
from incidents.forms.lists import (
    CLOCK_CHOICES,
    SEVERITY_CHOICES,
    SORT_CHOICES,
    STATUS_CHOICES,
    QueueFilterForm,
)
from incidents.models import Incident
from incidents.queries import lists as queries

# The queue page's sorts a cursor can page through (a unique order of stored columns), and their order.
API_SORTS = {"-reported": ("-reported_at", "-pk"), "reported": ("reported_at", "pk")}


class IncidentDeadlineSerializer(serializers.Serializer):
    label = serializers.CharField()
    at = serializers.DateTimeField()


class IncidentRowSerializer(serializers.ModelSerializer):
    """A row of the queue: what the page's row shows. The breach flag and the nearest deadline are internal:
    null for a caller who only follows their own report."""

    handler = IncidentPersonSerializer(allow_null=True)
    reported_by = IncidentPersonSerializer()
    status = choice_field(Status.choices)
    severity = choice_field(Severity.choices, allow_null=True)
    is_breach = serializers.SerializerMethodField()
    nearest_deadline = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id", "reference", "title", "status", "severity", "confidential", "is_breach", "acknowledged_at",
            "reported_at", "handler", "reported_by", "nearest_deadline",
        ]  # fmt: skip

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_is_breach(self, incident):
        return incident.is_breach if incident.shows_internal else None

    @extend_schema_field(IncidentDeadlineSerializer(allow_null=True))
    def get_nearest_deadline(self, incident):
        if not incident.shows_internal:
            return None
        label, deadline = queries.nearest_deadline(incident)
        return IncidentDeadlineSerializer({"label": label, "at": deadline}).data if deadline else None


@extend_schema_field({"type": "string", "enum": [value for value, _label in SEVERITY_CHOICES[1:]]})
class SeverityFilter(django_filters.ChoiceFilter):
    """The severity filter's choices are texts ("1" to "4", and "untriaged"), over a field of numbers: the
    schema says so, not the model field's integer."""


class IncidentQueueFilter(django_filters.FilterSet):
    """The queue page's filters, validated by its form (``QueueFilterForm``): the handler and clock filters
    only for those the page offers them to (others' are ignored, as on the page)."""

    q = django_filters.CharFilter(method="_by_form", help_text="Part of the reference or the title.")
    status = django_filters.ChoiceFilter(
        method="_by_form", choices=STATUS_CHOICES, help_text="Default: open (not closed or dismissed)."
    )
    severity = SeverityFilter(method="_by_form", choices=SEVERITY_CHOICES[1:])
    handler = django_filters.CharFilter(
        method="_by_form",
        help_text="me, none, or a handler's email, name or id (officers, auditors, handlers).",
    )
    clock = django_filters.ChoiceFilter(
        method="_by_form", choices=CLOCK_CHOICES[1:], help_text="Officers, auditors and handlers."
    )
    sort = django_filters.ChoiceFilter(
        method="_by_form",
        choices=[(key, label) for key, label in SORT_CHOICES if key in API_SORTS],
        help_text="Newest first (the default) or oldest first: the orders a cursor can page through.",
    )

    class Meta:
        model = Incident
        fields: list[str] = []

    def _by_form(self, incidents, name, value):
        return incidents  # all filters are applied together in filter_queryset, by the page's rules

    @property
    def form(self):
        if not hasattr(self, "_form"):
            self._form = QueueFilterForm(self.data, viewer=self.request.user)
        return self._form

    def is_valid(self):
        valid = super().is_valid()
        if valid and self.form.cleaned_data.get("sort") not in ("", *API_SORTS):
            self.form.add_error("sort", "The API lists newest first (-reported) or oldest first (reported).")
            return False
        return valid

    def filter_queryset(self, queryset):
        data = {key: value for key, value in self.form.cleaned_data.items() if key != "sort"}
        return queries.filter_queue(queryset, viewer=self.request.user, now=timezone.now(), **data)


class QueuePage(CursorPage):
    ordering = API_SORTS["-reported"]

    def get_ordering(self, request, queryset, view):
        return API_SORTS.get(request.query_params.get("sort", ""), self.ordering)


class QueueActions(mixins.ListModelMixin):
    """``GET /incidents/``: the queue."""

    filterset_class = IncidentQueueFilter

    def list(self, request, *args, **kwargs):
        """The incidents you may see, newest first; by default the open ones (as the queue page)."""
        return super().list(request, *args, **kwargs)
