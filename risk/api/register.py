"""The risk register through the API: the list (the register page's filters, by the page's own form and
``filter_risks``), a risk, creating one (security officers), editing it (officers, the owner, delegated
editors; ``If-Match`` against its ETag) and opening or closing it, through ``risk.services.register``."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from access.models import System
from dpms.api.conventions import ApiViewMixin, ConditionalMixin, CursorPage, idempotent
from dpms.models import User
from risk.api import (
    ANY,
    YES_NO,
    FetchedViewSet,
    IdFilter,
    IntegerFilter,
    PageFilterSet,
    RowField,
    StrictBooleanField,
    StrictIntegerField,
    StrictModelSerializer,
    choice,
    service_errors,
)
from risk.choices import RiskStatus, Treatment
from risk.forms.register import RiskFilterForm, RiskStatusForm
from risk.models import Risk, RiskCategory
from risk.queries import register as queries
from risk.services.register import risk_create, risk_set_status, risk_update


class LevelSerializer(serializers.Serializer):
    """A score's level on the risk's matrix (derived from the matrix, never stored)."""

    index = serializers.IntegerField(help_text="The level's place on the matrix, lowest first (0).")
    name = serializers.CharField()
    colour = serializers.CharField()
    review_days = serializers.IntegerField(help_text="The review interval this level asks for.")
    above_appetite = serializers.BooleanField()


def _score(**kwargs):
    return StrictIntegerField(
        min_value=0, max_value=99, help_text="A step of the active matrix's scale, 0 = lowest.", **kwargs
    )


class RiskSerializer(StrictModelSerializer):
    """A risk as the register shows it. Writable: what the page's form edits; scores are steps of the active
    matrix (0-based). The owner may be changed by security officers only."""

    owner = RowField(queryset=User.objects.people(), help_text="The owner's person id (/api/v1/people/).")
    owner_email = serializers.EmailField(source="owner.email", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    category = RowField(queryset=RiskCategory.objects.all(), allow_null=True, required=False)
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)
    systems = RowField(
        queryset=System.objects.all(), many=True, required=False, help_text="Ids of the affected systems."
    )
    inherent_likelihood = _score()
    inherent_impact = _score()
    current_likelihood = _score()
    current_impact = _score()
    target_likelihood = _score(allow_null=True, required=False)
    target_impact = _score(allow_null=True, required=False)
    treatment = choice(Treatment.choices, default=Treatment.MITIGATE)
    status = choice(RiskStatus.choices, read_only=True)
    review_interval_days = StrictIntegerField(
        min_value=1,
        max_value=3650,
        allow_null=True,
        required=False,
        help_text="Empty: by the current level (high and very high 90, moderate 180, low 365).",
    )
    inherent_level = LevelSerializer(read_only=True)
    current_level = LevelSerializer(read_only=True)
    target_level = LevelSerializer(read_only=True, allow_null=True)
    open_now = StrictBooleanField(
        write_only=True,
        default=True,
        help_text="On creating: open the risk now (it gets its first review date), else a draft.",
    )

    class Meta:
        model = Risk
        fields = [
            "id", "reference", "title", "description", "category", "category_name", "owner", "owner_email",
            "owner_name", "systems", "threat", "vulnerability", "existing_controls", "matrix",
            "inherent_likelihood", "inherent_impact", "current_likelihood", "current_impact",
            "target_likelihood", "target_impact", "inherent_level", "current_level", "target_level",
            "treatment", "status", "review_interval_days", "next_review_on", "created_at", "updated_at",
            "closed_at", "open_now",
        ]  # fmt: skip
        read_only_fields = [
            "reference", "matrix", "next_review_on", "created_at", "updated_at", "closed_at",
        ]  # fmt: skip


class RiskStatusSerializer(serializers.Serializer):
    status = choice(
        RiskStatusForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        help_text="open: open a draft or reopen a closed risk; closed: close it.",
    )


class RiskFilter(PageFilterSet):
    """The register page's filters, validated by its form (``RiskFilterForm``, on the active matrix) and
    applied by ``risk.queries.register.filter_risks``."""

    q = django_filters.CharFilter(method="by_page", help_text="Part of the title, reference or description.")
    owner = django_filters.CharFilter(
        method="by_page", help_text="An owner of a risk you see: id, email or name."
    )
    category = IdFilter(method="by_page", help_text="A category id.")
    level = IntegerFilter(method="by_page", help_text="The current level's index on the active matrix.")
    status = django_filters.ChoiceFilter(
        method="by_page", choices=[ANY, (queries.LIVE_STATUS, "Open or accepted"), *RiskStatus.choices]
    )
    system = django_filters.CharFilter(method="by_page", help_text="An affected system: id or name.")
    overdue = django_filters.ChoiceFilter(
        method="by_page", choices=YES_NO, help_text="true: only risks whose review is overdue."
    )
    likelihood = IntegerFilter(method="by_page", help_text="A heat-map cell: its likelihood.")
    impact = IntegerFilter(method="by_page", help_text="A heat-map cell: its impact.")
    kind = django_filters.ChoiceFilter(
        method="by_page",
        choices=[ANY, ("current", "current"), ("inherent", "inherent")],
        help_text="Which score the cell is of (current by default).",
    )

    class Meta:
        model = Risk
        fields: list[str] = []

    def page_form(self):
        owners = queries.risk_owners(queries.risks_for_user(self.request.user))
        return RiskFilterForm(self.data, matrix=self.request.parser_context["view"].matrix, owners=owners)

    def apply(self, queryset, data):
        data.pop("sort", None)  # a cursor page has its own order
        return queries.filter_risks(queryset, matrix=self.request.parser_context["view"].matrix, **data)


class RiskPage(CursorPage):
    ordering = "-pk"


class RiskViewSet(
    ApiViewMixin,
    ConditionalMixin,
    FetchedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
):
    """Risks you may see (security officers and auditors: all; others: their own and those shared with
    them), newest first."""

    serializer_class = RiskSerializer
    filterset_class = RiskFilter
    pagination_class = RiskPage
    queryset = Risk.objects.none()  # for the schema; each request reads get_queryset
    http_method_names = ["get", "post", "patch", "head", "options"]

    @cached_property
    def matrix(self):
        return queries.active_matrix()

    def get_queryset(self):
        return queries.risks_for_list(self.request.user, self.matrix)

    def fetch(self, pk):
        # Reading: a risk you may see (404); writing: one you may change too (403), as the edit page.
        writing = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return queries.get_risk_for_user(self.request.user, pk, for_change=writing)

    @idempotent
    def create(self, request):
        """Add a risk to the register on the active matrix (security officers), with the next reference."""
        if not queries.can_manage_risks(request.user):
            raise PermissionDenied("Only security officers add risks.")
        form = RiskSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        risk_status = RiskStatus.OPEN if data.pop("open_now") else RiskStatus.DRAFT
        with service_errors():
            risk = risk_create(actor=request.user, status=risk_status, **data)
        return Response(RiskSerializer(risk).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        """Change a risk's details and scores (security officers, the owner, delegated editors); only a
        security officer hands it to another owner. Send ``If-Match`` with its ETag: no lost update."""
        risk = self.get_object()
        form = RiskSerializer(risk, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        data.pop("open_now", None)
        systems = data.pop("systems", None)
        with service_errors():
            risk = risk_update(actor=request.user, risk=risk, systems=systems, **data)
        return Response(RiskSerializer(risk).data)

    @extend_schema(request=RiskStatusSerializer, responses=RiskSerializer)
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, pk=None):
        """Open a draft, close a risk, or reopen a closed one (who may edit the risk)."""
        risk = self.get_object()
        form = RiskStatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with service_errors():
            risk = risk_set_status(actor=request.user, risk=risk, status=form.validated_data["status"])
        return Response(RiskSerializer(risk).data)
