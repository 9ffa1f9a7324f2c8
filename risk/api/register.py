"""The risk register through the API: the list (the register page's filters, by the page's own form and
``filter_risks``), a risk, creating one (security officers), editing it (officers, the owner, delegated
editors; ``If-Match`` against its ETag) and opening or closing it, through ``risk.services.register``."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from access.models import System
from dpms.api.conventions import (
    ApiViewMixin,
    ConditionalMixin,
    CursorPage,
    form_errors,
    idempotent,
    service_errors,
)
from dpms.api.fields import RowField
from dpms.models import User
from risk.api import (
    ANY,
    YES_NO,
    FetchedViewSet,
    IdFilter,
    IntegerFilter,
    PageFilterSet,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictModelSerializer,
    choice,
)
from risk.choices import RiskStatus, Treatment
from risk.forms.register import RiskFilterForm, RiskShareForm, RiskStatusForm
from risk.models import Risk, RiskCategory
from risk.queries import register as queries
from risk.services.register import risk_create, risk_set_status, risk_share, risk_unshare, risk_update


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


SHARING = ("shares", "share", "unshare")
ABOVE_APPETITE_LINES = 5


class ShareSerializer(serializers.Serializer):
    """Who a risk is shared with (besides its owner, and those who see every risk)."""

    user = serializers.IntegerField(source="user.pk")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    can_edit = serializers.BooleanField()


class ShareRequestSerializer(serializers.Serializer):
    person = StrictCharField(help_text="The email of an active person.")
    can_edit = StrictBooleanField(default=False, help_text="May edit the risk too.")


class UnshareRequestSerializer(serializers.Serializer):
    user = RowField(queryset=User.objects.people(), help_text="The person to stop sharing with (an id).")


class AboveAppetiteRiskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    level = serializers.CharField()


class AboveAppetiteSerializer(serializers.Serializer):
    appetite = serializers.CharField(help_text="The highest acceptable level of the active matrix.")
    count = serializers.IntegerField(help_text="Live risks whose current level is above it.")
    risks = AboveAppetiteRiskSerializer(many=True, help_text="The first five, highest level first.")


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
        if self.action in SHARING:  # as the share form: the owner and security officers (403 for others)
            return queries.get_risk_to_share(self.request.user, pk)
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

    def _shares(self, risk):
        return Response(ShareSerializer(queries.risk_shares(risk), many=True).data)

    @extend_schema(responses=ShareSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def shares(self, request, pk=None):
        """Who the risk is shared with, to read or edit (its owner and security officers)."""
        return self._shares(self.get_object())

    @extend_schema(request=ShareRequestSerializer, responses=ShareSerializer(many=True))
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        """Share the risk with one more person, to read it or also edit it (its owner, security officers)."""
        risk = self.get_object()
        given = ShareRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        form = RiskShareForm(data=given.validated_data)  # the share form finds the person by email
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        try:
            risk_share(
                actor=request.user,
                risk=risk,
                user=form.cleaned_data["person"],
                can_edit=form.cleaned_data["can_edit"],
            )
        except DjangoValidationError as error:  # next to the person, as the share form shows it
            raise serializers.ValidationError({"person": error.messages}) from error
        return self._shares(risk)

    @extend_schema(request=UnshareRequestSerializer, responses=ShareSerializer(many=True))
    @action(detail=True, methods=["post"])
    def unshare(self, request, pk=None):
        """Stop sharing the risk with someone (its owner, security officers)."""
        risk = self.get_object()
        form = UnshareRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with service_errors():
            risk_unshare(actor=request.user, risk=risk, user=form.validated_data["user"])
        return self._shares(risk)

    @extend_schema(responses=AboveAppetiteSerializer, filters=False)
    @action(
        detail=False, methods=["get"], url_path="above-appetite", pagination_class=None, filterset_class=None
    )
    def above_appetite(self, request):
        """Live risks above the appetite: how many and the highest (security officers, as their dashboard
        panel). A 404 while no matrix is active."""
        if not queries.sees_appetite_panel(request.user):
            raise PermissionDenied("The risks above appetite are counted for security officers.")
        matrix = self.matrix
        if matrix is None:
            raise Http404("There is no active risk matrix.")
        risks = queries.above_appetite(queries.risks_for_user(request.user), matrix)
        lines = queries.appetite_lines(risks, matrix, ABOVE_APPETITE_LINES)
        body = {
            "appetite": matrix.levels[matrix.appetite]["name"],
            "count": risks.count(),
            "risks": [
                {
                    "id": risk.pk,
                    "reference": risk.reference,
                    "title": risk.title,
                    "level": matrix.levels[risk.current_level_index]["name"],
                }
                for risk in lines
            ],
        }
        return Response(AboveAppetiteSerializer(body).data)
