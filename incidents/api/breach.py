"""The regulatory clocks of an incident through the API: its GDPR breach state (the 72-hour clock to notify
the supervisory authority, the decisions on the authority and the data subjects, the facts for the register)
and, when NIS2 reporting is on, its NIS2 reports. Read by whoever the incident page shows the breach section
to (not a reporter with no other part in the incident: 403); changed by its responders through the breach
section's forms and ``incidents.services.breach``. Each action answers with the breach state."""

import django_filters
from django.conf import settings
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from dpms.api.conventions import CursorPage
from incidents.api.common import (
    RESPOND,
    IncidentPersonSerializer,
    bound_form,
    choice_field,
    form_serializer,
    run_service,
)
from incidents.choices import AuthorityDecision, SubjectsDecision
from incidents.forms import breach as forms
from incidents.models import Incident
from incidents.queries.breach import breaches_for, can_open_register, on_time
from incidents.queries.visibility import is_only_reporter
from incidents.services import breach as services

MarkInput = form_serializer(forms.BreachMarkForm, "BreachMarkInput")
AwarenessInput = form_serializer(forms.AwarenessForm, "BreachAwarenessInput")
NotifiedInput = form_serializer(forms.AuthorityNotifiedForm, "BreachAuthorityNotifiedInput")
NotRequiredInput = form_serializer(forms.AuthorityNotRequiredForm, "BreachAuthorityNotRequiredInput")
SubjectsInput = form_serializer(forms.SubjectsDecisionForm, "BreachDataSubjectsInput")
FactsInput = form_serializer(forms.BreachFactsForm, "BreachFactsInput")
Nis2SignificantInput = form_serializer(forms.Nis2SignificantForm, "Nis2SignificantInput")
Nis2RecordInput = form_serializer(forms.Nis2RecordForm, "Nis2ReportInput")


class IncidentNis2ReportSerializer(serializers.Serializer):
    report = choice_field(list(services.NIS2_REPORTS.items()))
    deadline = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    pending = serializers.BooleanField()


class IncidentNis2Serializer(serializers.Serializer):
    significant = serializers.BooleanField()
    aware_at = serializers.DateTimeField(allow_null=True)
    reports = IncidentNis2ReportSerializer(many=True)


class IncidentBreachSerializer(serializers.ModelSerializer):
    breach_marked_by = IncidentPersonSerializer(allow_null=True)
    authority_decision = choice_field(AuthorityDecision.choices, allow_blank=True)
    authority_decided_by = IncidentPersonSerializer(allow_null=True)
    authority_clock_running = serializers.BooleanField()
    authority_on_time = serializers.SerializerMethodField(
        help_text="yes, no, pending (the clock runs) or not required; null when not a breach."
    )
    subjects_decision = choice_field(SubjectsDecision.choices, allow_blank=True)
    subjects_decided_by = IncidentPersonSerializer(allow_null=True)
    nis2 = serializers.SerializerMethodField(help_text="Null when NIS2 reporting is off.")

    class Meta:
        model = Incident
        fields = [
            "is_breach", "breach_marked_at", "breach_marked_by", "aware_at", "aware_at_reason",
            "authority_deadline", "authority_clock_running", "authority_decision", "authority_notified_at",
            "authority_reference", "authority_not_required_reason", "authority_delay_reason",
            "authority_decided_at", "authority_decided_by", "authority_on_time", "breach_nature",
            "breach_effects", "breach_remedial_action", "subjects_decision", "subjects_decision_reason",
            "subjects_notified_at", "subjects_decided_at", "subjects_decided_by", "nis2",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_authority_on_time(self, incident):
        return on_time(incident, timezone.now()) if incident.is_breach else None

    @extend_schema_field(IncidentNis2Serializer(allow_null=True))
    def get_nis2(self, incident):
        if not settings.NIS2_ENABLED:
            return None
        pending = dict(services.nis2_pending(incident))
        reports = [
            {
                "report": report,
                "deadline": getattr(incident, f"nis2_{report}_deadline"),
                "submitted_at": getattr(incident, f"nis2_{report}_at"),
                "pending": report in pending,
            }
            for report in services.NIS2_REPORTS
        ]
        data = {
            "significant": incident.nis2_significant,
            "aware_at": incident.nis2_aware_at,
            "reports": reports,
        }
        return IncidentNis2Serializer(data).data


class IncidentBreachRowSerializer(IncidentBreachSerializer):
    """A line of the breach register: the incident and its breach state."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()

    class Meta(IncidentBreachSerializer.Meta):
        fields = ["id", "reference", "title", *IncidentBreachSerializer.Meta.fields]


class BreachRegisterFilter(django_filters.FilterSet):
    """The breach register page's filters, checked and applied by its form (``BreachRegisterFilterForm``)."""

    q = django_filters.CharFilter(method="_by_form", help_text="Part of the reference or the title.")
    state = django_filters.ChoiceFilter(
        method="_by_form",
        choices=forms.BreachRegisterFilterForm.base_fields["state"].choices[1:],  # type: ignore[attr-defined]
        help_text="The state of the authority decision.",
    )

    class Meta:
        model = Incident
        fields: list[str] = []
        form = forms.BreachRegisterFilterForm

    def _by_form(self, breaches, name, value):
        return breaches  # applied together by the page's form in filter_queryset

    def filter_queryset(self, queryset):
        return self.form.apply(queryset)


class BreachRegisterPage(CursorPage):
    ordering = ("-aware_at", "-pk")


def _nis2_on() -> None:
    if not settings.NIS2_ENABLED:
        raise Http404("NIS2 reporting is not enabled in this installation.")


class BreachActions:
    """``GET /incidents/{id}/breach/`` and ``POST /incidents/{id}/breach/<action>/``."""

    def _breach_answer(self, incident):
        incident.refresh_from_db()
        return Response(IncidentBreachSerializer(incident).data)

    def _breach_run(self, request, input_class, form_class, call):
        incident = self.get_object()
        form = bound_form(request, input_class, form_class)
        run_service(form, lambda: call(incident, form.cleaned_data))
        return self._breach_answer(incident)

    @extend_schema(responses=IncidentBreachRowSerializer(many=True))
    @action(
        detail=False,
        methods=["get"],
        filterset_class=BreachRegisterFilter,
        pagination_class=BreachRegisterPage,
        url_path="breaches",
    )
    def breach_register(self, request):
        """The breach register (GDPR Art. 33(5)): every personal-data breach you may see, the latest
        awareness first, filtered like the page (security officers and auditors)."""
        if not can_open_register(request.user):
            raise PermissionDenied("The breach register is for security officers and auditors.")
        breaches = self.filter_queryset(breaches_for(request.user, with_people=True))
        page = self.paginate_queryset(breaches)
        return self.get_paginated_response(IncidentBreachRowSerializer(page, many=True).data)

    @extend_schema(responses=IncidentBreachSerializer, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def breach(self, request, pk=None):
        """The breach and NIS2 state: for those the incident page shows its breach section to."""
        incident = self.get_object()
        if is_only_reporter(request.user, incident):
            raise PermissionDenied(
                "The breach details are for the incident's handlers, officers and auditors."
            )
        return Response(IncidentBreachSerializer(incident).data)

    @extend_schema(request=MarkInput, responses=IncidentBreachSerializer)
    @action(detail=True, methods=["post"], url_path="breach/mark", access_level=RESPOND)
    def breach_mark(self, request, pk=None):
        """Mark as a personal-data breach: the 72-hour clock runs from awareness (the noticed time unless
        another is given, with a reason)."""
        return self._breach_run(
            request,
            MarkInput,
            forms.BreachMarkForm,
            lambda incident, data: services.breach_mark(
                actor=request.user,
                incident=incident,
                aware_at=data["aware_at"],
                aware_at_reason=data["aware_at_reason"],
            ),
        )

    @extend_schema(request=AwarenessInput, responses=IncidentBreachSerializer)
    @action(detail=True, methods=["post"], url_path="breach/awareness", access_level=RESPOND)
    def breach_awareness(self, request, pk=None):
        """Correct the awareness time while the clock runs; the deadline moves with it."""
        return self._breach_run(
            request,
            AwarenessInput,
            forms.AwarenessForm,
            lambda incident, data: services.breach_set_awareness(
                actor=request.user, incident=incident, aware_at=data["aware_at"], reason=data["reason"]
            ),
        )

    @extend_schema(request=NotifiedInput, responses=IncidentBreachSerializer)
    @action(detail=True, methods=["post"], url_path="breach/authority-notified", access_level=RESPOND)
    def breach_authority_notified(self, request, pk=None):
        """Record the notification of the supervisory authority (with reasons when late): the clock stops."""
        return self._breach_run(
            request,
            NotifiedInput,
            forms.AuthorityNotifiedForm,
            lambda incident, data: services.authority_record_notified(
                actor=request.user, incident=incident, **data
            ),
        )

    @extend_schema(request=NotRequiredInput, responses=IncidentBreachSerializer)
    @action(detail=True, methods=["post"], url_path="breach/authority-not-required", access_level=RESPOND)
    def breach_authority_not_required(self, request, pk=None):
        """Record that notifying the authority is not required, and why: the clock stops."""
        return self._breach_run(
            request,
            NotRequiredInput,
            forms.AuthorityNotRequiredForm,
            lambda incident, data: services.authority_record_not_required(
                actor=request.user, incident=incident, reason=data["reason"]
            ),
        )

    @extend_schema(request=SubjectsInput, responses=IncidentBreachSerializer)
    @action(detail=True, methods=["post"], url_path="breach/data-subjects", access_level=RESPOND)
    def breach_data_subjects(self, request, pk=None):
        """Record the decision on telling the data subjects (GDPR Art. 34)."""
        return self._breach_run(
            request,
            SubjectsInput,
            forms.SubjectsDecisionForm,
            lambda incident, data: services.subjects_record_decision(
                actor=request.user, incident=incident, **data
            ),
        )

    @extend_schema(request=FactsInput, responses=IncidentBreachSerializer)
    @action(detail=True, methods=["post"], url_path="breach/facts", access_level=RESPOND)
    def breach_facts(self, request, pk=None):
        """The facts for the breach register: nature, likely consequences, measures."""
        return self._breach_run(
            request,
            FactsInput,
            forms.BreachFactsForm,
            lambda incident, data: services.breach_record_facts(
                actor=request.user, incident=incident, **data
            ),
        )

    @extend_schema(request=Nis2SignificantInput, responses=IncidentBreachSerializer)
    @action(detail=True, methods=["post"], url_path="breach/nis2/significant", access_level=RESPOND)
    def breach_nis2_significant(self, request, pk=None):
        """Mark as a significant incident under NIS2: the early warning is due within 24 hours (404 when NIS2
        reporting is off)."""
        _nis2_on()
        return self._breach_run(
            request,
            Nis2SignificantInput,
            forms.Nis2SignificantForm,
            lambda incident, data: services.nis2_mark_significant(
                actor=request.user, incident=incident, aware_at=data["aware_at"], reason=data["reason"]
            ),
        )

    @extend_schema(request=Nis2RecordInput, responses=IncidentBreachSerializer)
    @action(detail=True, methods=["post"], url_path="breach/nis2/report", access_level=RESPOND)
    def breach_nis2_report(self, request, pk=None):
        """Record a NIS2 report as submitted (404 when NIS2 reporting is off)."""
        _nis2_on()
        return self._breach_run(
            request,
            Nis2RecordInput,
            forms.Nis2RecordForm,
            lambda incident, data: services.nis2_record(
                actor=request.user, incident=incident, report=data["report"], at=data["at"]
            ),
        )
