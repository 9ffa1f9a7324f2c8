"""The incident metrics through the API (read only): what the metrics page shows, for whom it shows it
(security officers and auditors: 403 for anyone else), over a period validated by the page's own form
(``MetricsPeriodForm``: calendar days in the portal's time zone, both included, at most three years; the
last 90 days by default). Durations are in seconds."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from incidents.api.common import form_errors
from incidents.forms.lists import MetricsPeriodForm
from incidents.queries.metrics import can_see_metrics, incident_metrics


class IncidentDurationsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True)
    mean_seconds = serializers.FloatField(allow_null=True)

    def to_representation(self, instance):
        def seconds(delta):
            return delta.total_seconds() if delta is not None else None

        return {
            "count": instance.count,
            "median_seconds": seconds(instance.median),
            "p90_seconds": seconds(instance.p90),
            "mean_seconds": seconds(instance.mean),
        }


class IncidentSeverityMetricsSerializer(serializers.Serializer):
    severity = serializers.IntegerField(allow_null=True, help_text="1-4; null: untriaged.")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Reported in the period.")
    dismissed = serializers.IntegerField()
    acknowledge = IncidentDurationsSerializer(help_text="From the report to the acknowledgement.")
    resolve = IncidentDurationsSerializer(help_text="From the report to the resolution.")
    unresolved = serializers.IntegerField()


class IncidentOpenLineSerializer(serializers.Serializer):
    severity = serializers.CharField(help_text="1-4, or untriaged.")
    label = serializers.CharField()
    count = serializers.IntegerField()


class IncidentOpenMetricsSerializer(serializers.Serializer):
    by_severity = IncidentOpenLineSerializer(many=True)
    total = serializers.IntegerField()
    unacknowledged = serializers.IntegerField()
    running = serializers.IntegerField(help_text="Breaches whose authority clock runs.")


class IncidentClockMetricsSerializer(serializers.Serializer):
    breaches = serializers.IntegerField()
    met = serializers.IntegerField()
    missed = serializers.IntegerField()
    missed_running = serializers.IntegerField(help_text="Missed, and still without a decision.")
    running = serializers.IntegerField()


class IncidentNis2MetricsSerializer(serializers.Serializer):
    label = serializers.CharField()
    met = serializers.IntegerField()
    missed = serializers.IntegerField()
    pending = serializers.IntegerField()


class IncidentMetricsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    total = serializers.IntegerField(help_text="Incidents reported in the period that you may see.")
    severities = IncidentSeverityMetricsSerializer(many=True)
    open = IncidentOpenMetricsSerializer(help_text="Open now, whenever reported.")
    clocks = IncidentClockMetricsSerializer()
    nis2 = IncidentNis2MetricsSerializer(many=True, allow_null=True)
    nis2_count = serializers.IntegerField()


class MetricsActions:
    """``GET /incidents/metrics/``."""

    @extend_schema(
        responses=IncidentMetricsSerializer,
        filters=False,
        parameters=[
            OpenApiParameter(
                "from", str, description="First day, YYYY-MM-DD (default: 89 days before the last)."
            ),
            OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (default: today)."),
        ],
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def metrics(self, request):
        """Time to acknowledge and to resolve per severity, open incidents, and how the clocks went."""
        if not can_see_metrics(request.user):
            raise PermissionDenied("The incident metrics are for security officers and auditors.")
        form = MetricsPeriodForm(request.query_params or None)
        if form.is_bound and not form.is_valid():
            raise ValidationError(form_errors(form))
        start, end = form.period()
        return Response(IncidentMetricsSerializer(incident_metrics(request.user, start=start, end=end)).data)
