"""Vulnerabilities through the API (/api/v1/vulnerabilities/), over ``vulnerabilities.services.register``:
the register filtered by the page's form, one vulnerability, recording one (the page's form validates the
body: a malformed CVSS vector is a 400 naming it), and the workflow's steps."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms.api.conventions import (
    ApiViewMixin,
    ConditionalMixin,
    CursorPage,
    form_errors,
    idempotent,
    service_errors,
)
from dpms.api.fields import StrictCharField, StrictIntegerField
from dpms.api.pages import ANY, YES_NO, FetchedViewSet, PageFilterSet, choice
from vulnerabilities.choices import Severity, VulnerabilitySource, VulnerabilityStatus
from vulnerabilities.forms.register import STEPS, TransitionForm, VulnerabilityFilterForm, VulnerabilityForm
from vulnerabilities.models import Vulnerability
from vulnerabilities.queries import register as queries
from vulnerabilities.services import register as services

ROW_ID_MAX = 2**63 - 1


class VulnerabilitySerializer(serializers.ModelSerializer):
    """A vulnerability of a system: its score and severity are computed from its CVSS vector."""

    system_name = serializers.CharField(source="system.name", read_only=True)
    component_name = serializers.SerializerMethodField()
    severity = choice(Severity.choices, read_only=True, allow_blank=True)
    status = choice(VulnerabilityStatus.choices, read_only=True)
    source = choice(VulnerabilitySource.choices, read_only=True)
    owner_email = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    cvss_score = serializers.DecimalField(max_digits=3, decimal_places=1, read_only=True, allow_null=True)

    class Meta:
        model = Vulnerability
        fields = [
            "id", "reference", "identifier", "aliases", "title", "system", "system_name", "component",
            "component_name", "component_version", "source", "cvss_vector", "cvss_version", "cvss_score",
            "severity", "status", "owner", "owner_email", "first_seen_at", "last_seen_at", "triaged_at",
            "due_at", "overdue", "fixed_at", "fixed_note", "verified_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_component_name(self, obj) -> str:
        return obj.component_label

    def get_owner_email(self, obj) -> str:
        return obj.owner.email if obj.owner_id else ""

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue


class VulnerabilityDetailSerializer(VulnerabilitySerializer):
    """A vulnerability with its override, acceptance and the steps you may take."""

    scored_severity = choice(Severity.choices, read_only=True, allow_blank=True)
    severity_override = choice(Severity.choices, read_only=True, allow_blank=True)
    risk_reference = serializers.SerializerMethodField()
    your_steps = serializers.SerializerMethodField(help_text="The workflow steps you may take from here.")

    class Meta(VulnerabilitySerializer.Meta):
        fields = [
            *VulnerabilitySerializer.Meta.fields, "description", "scored_severity", "severity_override",
            "override_reason", "false_positive_reason", "risk", "risk_reference", "accepted_until",
            "your_steps",
        ]  # fmt: skip
        read_only_fields = fields

    def get_risk_reference(self, obj) -> str:
        return obj.risk.reference if obj.risk_id else ""

    def get_your_steps(self, obj) -> list[str]:
        return queries.steps_for(self.context["request"].user, obj)


class VulnerabilityCreateSerializer(serializers.Serializer):
    system = StrictIntegerField(min_value=1, max_value=ROW_ID_MAX)
    title = StrictCharField(max_length=300)
    identifier = StrictCharField(max_length=100, required=False, allow_blank=True)
    component = StrictIntegerField(min_value=1, max_value=ROW_ID_MAX, required=False, allow_null=True)
    source = choice([(VulnerabilitySource.MANUAL, "Found by us"), (VulnerabilitySource.PENTEST, "Pentest")])
    cvss_vector = StrictCharField(max_length=300, required=False, allow_blank=True)
    description = StrictCharField(required=False, allow_blank=True)


class TransitionSerializer(serializers.Serializer):
    step = choice(STEPS)
    reason = StrictCharField(required=False, allow_blank=True, max_length=2000)
    note = StrictCharField(required=False, allow_blank=True, max_length=300)
    risk = StrictIntegerField(min_value=1, max_value=ROW_ID_MAX, required=False, allow_null=True)


class VulnerabilityFilter(PageFilterSet):
    """The register page's filters, validated by its form (``VulnerabilityFilterForm``)."""

    q = django_filters.CharFilter(method="by_page", help_text="Part of the reference, title or identifier.")
    severity = django_filters.ChoiceFilter(method="by_page", choices=[ANY, *Severity.choices])
    status = django_filters.ChoiceFilter(
        method="by_page", choices=[ANY, ("open", "Open"), *VulnerabilityStatus.choices]
    )
    system = django_filters.CharFilter(method="by_page", help_text="A system: id or name.")
    source = django_filters.ChoiceFilter(method="by_page", choices=[ANY, *VulnerabilitySource.choices])
    overdue = django_filters.ChoiceFilter(
        method="by_page", choices=YES_NO, help_text="true: past the deadline."
    )

    class Meta:
        model = Vulnerability
        fields: list[str] = []

    def page_form(self):
        data = self.data.copy()
        if "overdue" in data:
            data["overdue"] = "on" if data["overdue"] == "true" else ""
        return VulnerabilityFilterForm(data, systems=queries.systems_for_filter(self.request.user))

    def apply(self, queryset, data):
        data.pop("sort", None)  # a cursor page has its own order
        return queries.filter_vulnerabilities(queryset, user=self.request.user, now=timezone.now(), **data)


class VulnerabilityPage(CursorPage):
    ordering = ("-first_seen_at", "-pk")


class VulnerabilityViewSet(
    ApiViewMixin, ConditionalMixin, FetchedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin
):
    """The vulnerabilities you may see (officers and auditors: all; owners: theirs), newest first."""

    serializer_class = VulnerabilityDetailSerializer
    filterset_class = VulnerabilityFilter
    pagination_class = VulnerabilityPage
    queryset = Vulnerability.objects.none()  # for the schema; each request reads get_queryset
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return VulnerabilitySerializer if self.action == "list" else VulnerabilityDetailSerializer

    def get_queryset(self):
        queries.require_register(self.request.user)
        return queries.register_rows(self.request.user)

    def fetch(self, pk):
        writing = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return queries.get_vulnerability_for_user(self.request.user, pk, for_change=writing)

    def _answer(self, pk, code=status.HTTP_200_OK):
        vulnerability = queries.get_vulnerability_for_user(self.request.user, pk)
        return Response(
            VulnerabilityDetailSerializer(vulnerability, context={"request": self.request}).data, status=code
        )

    @extend_schema(request=VulnerabilityCreateSerializer, responses={201: VulnerabilityDetailSerializer})
    @idempotent
    def create(self, request):
        """Record a vulnerability found by hand or in a penetration test (officers; owners on their
        systems), scored from its CVSS vector."""
        if not queries.may_record_anywhere(request.user):
            raise PermissionDenied("Only security officers and system owners record vulnerabilities.")
        body = VulnerabilityCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = VulnerabilityForm(
            {key: "" if value is None else value for key, value in body.validated_data.items()},
            systems=queries.systems_to_record_on(request.user),
            components=queries.components_to_pick(request.user),
        )
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        with service_errors(fields=set(VulnerabilityCreateSerializer().fields)):
            created = services.vulnerability_create(actor=request.user, **form.cleaned_data)
        return self._answer(created.pk, status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses=VulnerabilityDetailSerializer)
    @action(detail=True, methods=["post"], url_path="transition", url_name="transition")
    def transition(self, request, pk=None):
        """Take one step of the workflow (the steps allowed from its status: ``your_steps``): a false
        positive needs a reason, accepting the risk a risk whose acceptance is approved and in force."""
        current = self.get_object()
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = TransitionForm(
            {key: "" if value is None else value for key, value in body.validated_data.items()},
            steps=queries.steps_for(request.user, current),
            risks=queries.risks_to_link(request.user),
        )
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        data = form.cleaned_data
        extra = {
            "mark_fixed": {"note": data["note"]},
            "accept_risk": {"risk": data["risk"]},
            "mark_false_positive": {"reason": data["reason"]},
            "reopen": {"reason": data["reason"]},
        }.get(data["step"], {})
        with service_errors(fields=set(TransitionSerializer().fields)):
            services.STEP_SERVICES[data["step"]](actor=request.user, vulnerability=current, **extra)
        return self._answer(current.pk)
