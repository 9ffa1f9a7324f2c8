"""The audit trail, read by auditors, security officers and admins, filtered exactly as the page filters it
(the page's own form validates the filters; ``dpms.queries.filter_audit_events`` applies them)."""

import django_filters
from rest_framework import serializers, viewsets

from dpms import queries
from dpms.api.conventions import ApiViewMixin, CursorPage
from dpms.forms import AuditFilterForm
from dpms.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "sequence",
            "occurred_at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "changes",
            "source",
            "request_id",
            "client_ip",
            "prev_hash",
            "hash",
        ]


class AuditEventFilter(django_filters.FilterSet):
    """The audit trail page's filters, validated by its form (``AuditFilterForm``)."""

    actor = django_filters.CharFilter(method="_by_form", help_text="A name or email the actor had.")
    action = django_filters.CharFilter(method="_by_form", help_text="The action, or its start (e.g. auth.).")
    object_type = django_filters.CharFilter(method="_by_form", help_text="e.g. access.grant")
    object_id = django_filters.CharFilter(method="_by_form")
    object_text = django_filters.CharFilter(method="_by_form", help_text="Part of the object's label.")
    date_from = django_filters.DateFilter(method="_by_form", help_text="First day, inclusive (YYYY-MM-DD).")
    date_to = django_filters.DateFilter(method="_by_form", help_text="Last day, inclusive (YYYY-MM-DD).")

    class Meta:
        model = AuditEvent
        fields: list[str] = []
        form = AuditFilterForm

    def _by_form(self, events, name, value):
        return events  # all filters are applied together in filter_queryset, by the page's rules

    def filter_queryset(self, queryset):
        data = {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "")}
        return queries.filter_audit_events(queryset, **data)


class AuditPage(CursorPage):
    ordering = "-sequence"


class AuditEventViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    pagination_class = AuditPage
    lookup_field = "sequence"
    lookup_value_converter = "int"
    queryset = AuditEvent.objects.none()  # for the schema; each request reads get_queryset

    def get_queryset(self):
        return queries.audit_events_for_user(self.request.user)
