"""Reporting an incident through the API, and the incidents I reported: the report page's form
(``IncidentReportForm``) and service (``incident_report``), with the same checks of every file (type by
content, size, at most five). JSON without files, or multipart/form-data with files under ``attachments``."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms.api.conventions import IDEMPOTENCY_HEADER, idempotent
from incidents.api.common import IncidentSerializer, bound_form, choice_field, form_serializer, run_service
from incidents.choices import Severity, Status
from incidents.forms.reporting import IncidentReportForm
from incidents.models import Incident
from incidents.queries import reporting as queries
from incidents.queries.visibility import can_report
from incidents.services.reporting import incident_report

ReportInput = form_serializer(IncidentReportForm, "IncidentReportInput")


class MyIncidentSerializer(serializers.ModelSerializer):
    status = choice_field(Status.choices)
    severity = choice_field(Severity.choices, allow_null=True)

    class Meta:
        model = Incident
        fields = ["id", "reference", "title", "status", "severity", "reported_at", "updated_at"]


class ReportingActions:
    """``POST /incidents/`` (report) and ``GET /incidents/mine/``."""

    @extend_schema(
        request={"application/json": ReportInput, "multipart/form-data": ReportInput},
        responses={201: IncidentSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="A retry with the same key gets the first answer; nothing is reported twice.",
            )
        ],
        summary="Report an incident (files: send multipart/form-data, each under 'attachments')",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Report what happened; the answer is the new incident with its reference."""
        from django.core.exceptions import PermissionDenied

        if not can_report(request.user):
            raise PermissionDenied("Sign in to report an incident.")
        form = bound_form(request, ReportInput, IncidentReportForm)
        data = dict(form.cleaned_data)
        incident = run_service(
            form, lambda: incident_report(actor=request.user, uploads=data.pop("attachments"), **data)
        )
        return Response(self.get_serializer(incident).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MyIncidentSerializer(many=True))
    @action(detail=False, methods=["get"], filter_backends=[], serializer_class=MyIncidentSerializer)
    def mine(self, request):
        """The incidents you reported, newest first (the "My incidents" page)."""
        page = self.paginate_queryset(queries.reported_by(request.user))
        return self.get_paginated_response(MyIncidentSerializer(page, many=True).data)


REPORT_PARSERS = [parsers.JSONParser, parsers.MultiPartParser]


def report_parsers(view):
    """The parsers of the report (JSON, or multipart/form-data with files); None for other actions."""
    request = getattr(view, "request", None)
    method = request.method.lower() if request is not None else ""
    if (
        getattr(view, "action", None) == "create"
        or (getattr(view, "action_map", None) or {}).get(method) == "create"
    ):
        return [parser() for parser in REPORT_PARSERS]
    return None
