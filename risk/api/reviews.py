"""Periodic reviews through the API: the reviews of the risks you see, recording one (who may edit the risk,
through ``risk.services.reviews.assessment_record``), your due and overdue counts, and the review round of
security officers and auditors (filtered by the round page's own form)."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms.api.conventions import ApiViewMixin, CursorPage, idempotent, service_errors
from risk.api import (
    ANY,
    DateFilter,
    FetchedViewSet,
    IdFilter,
    PageFilterSet,
    StrictCharField,
    StrictIntegerField,
    choice,
)
from risk.api.register import LevelSerializer
from risk.choices import RiskStatus
from risk.forms.reviews import RoundForm
from risk.models import Risk, RiskAssessment
from risk.queries import reviews as queries
from risk.services.reviews import assessment_record

ROW_ID_MAX = 2**63 - 1


class ScoresSerializer(serializers.Serializer):
    inherent = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    current = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    target = serializers.ListField(
        child=serializers.IntegerField(), min_length=2, max_length=2, allow_null=True
    )


class AssessmentSerializer(serializers.ModelSerializer):
    """One periodic review of a risk: the scores before and after ([likelihood, impact] steps of the matrix),
    the current level after it, notes and the next review date it set."""

    risk_reference = serializers.CharField(source="risk.reference", read_only=True)
    reviewed_by_name = serializers.CharField(source="reviewed_by.full_name", read_only=True, allow_null=True)
    before = ScoresSerializer(read_only=True)
    after = ScoresSerializer(read_only=True)

    class Meta:
        model = RiskAssessment
        fields = [
            "id", "risk", "risk_reference", "reviewed_by", "reviewed_by_name", "reviewed_at", "before",
            "after", "current_level_index", "notes", "next_review_on",
        ]  # fmt: skip
        read_only_fields = fields


def _score(required: bool = False):
    return StrictIntegerField(
        min_value=0,
        max_value=99,
        required=required,
        allow_null=not required,
        default=None if not required else serializers.empty,
    )


class AssessmentRecordSerializer(serializers.Serializer):
    """The scores after the review: current required; inherent and target left out (or null) stay as they
    are, each pair both or neither."""

    risk = StrictIntegerField(min_value=1, max_value=ROW_ID_MAX, help_text="The risk reviewed.")
    current_likelihood = _score(required=True)
    current_impact = _score(required=True)
    inherent_likelihood = _score()
    inherent_impact = _score()
    target_likelihood = _score()
    target_impact = _score()
    notes = StrictCharField(required=False, allow_blank=True, max_length=5000, default="")


class AssessmentFilter(django_filters.FilterSet):
    risk = IdFilter(field_name="risk", help_text="The reviews of one risk.")

    class Meta:
        model = RiskAssessment
        fields: list[str] = []


class AssessmentPage(CursorPage):
    ordering = ("-reviewed_at", "-pk")


class DueSerializer(serializers.Serializer):
    overdue = serializers.IntegerField(help_text="Live risks whose review date has passed.")
    due = serializers.IntegerField(help_text="Live risks due for review within `due_days` days.")
    due_days = serializers.IntegerField()
    everything = serializers.BooleanField(
        help_text="True: every risk's (security officers, auditors); false: the risks you own."
    )


class AssessmentViewSet(ApiViewMixin, FetchedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Reviews of the risks you may see, newest first."""

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    pagination_class = AssessmentPage
    queryset = RiskAssessment.objects.none()  # for the schema; each request reads get_queryset

    def get_queryset(self):
        return queries.assessments_for_user(self.request.user)

    def fetch(self, pk):
        return queries.get_assessment_for_user(self.request.user, pk)

    @extend_schema(request=AssessmentRecordSerializer, responses={201: AssessmentSerializer})
    @idempotent
    def create(self, request):
        """Record a periodic review of a risk (security officers, its owner, delegated editors; not a closed
        risk): the next review date follows from the level after it. A risk you may not see is a 404."""
        form = AssessmentRecordSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        risk = queries.get_risk_to_review(request.user, data.pop("risk"))
        with service_errors():
            assessment = assessment_record(risk=risk, actor=request.user, **data)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=DueSerializer, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def due(self, request):
        """How many live risks are overdue for review and due soon: every risk for security officers and
        auditors, your own for everyone else (the dashboard panel's counts)."""
        everything = queries.can_see_round(request.user)
        counts = queries.due_counts(request.user, today=timezone.localdate(), everything=everything)
        return Response({**counts, "due_days": queries.DUE_SOON_DAYS, "everything": everything})


class RoundRiskSerializer(serializers.ModelSerializer):
    owner_email = serializers.EmailField(source="owner.email", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    current_level = LevelSerializer(read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    status = choice(RiskStatus.choices, read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id", "reference", "title", "owner", "owner_email", "owner_name", "status", "current_level",
            "next_review_on", "overdue",
        ]  # fmt: skip
        read_only_fields = fields


class RoundFilter(PageFilterSet):
    """The review round page's period, validated by its form (``RoundForm``): due from ``start`` (today) to
    ``end`` (30 days later), with the overdue risks unless ``overdue=exclude``."""

    q = django_filters.CharFilter(method="by_page", help_text="Part of the reference or title.")
    start = DateFilter(method="by_page", help_text="Due from (YYYY-MM-DD); today by default.")
    end = DateFilter(method="by_page", help_text="Due until, inclusive; 30 days after start.")
    overdue = django_filters.ChoiceFilter(
        method="by_page", choices=[ANY, ("include", "Include"), ("exclude", "Leave out")]
    )

    class Meta:
        model = Risk
        fields: list[str] = []

    def page_form(self):
        return RoundForm(self.data, today=timezone.localdate())

    def apply(self, queryset, data):
        risks = queries.round_risks(
            today=self.page.today, start=data["start"], end=data["end"], overdue=data["overdue"], q=data["q"]
        )
        return queries.round_for_list(risks)


class RoundPage(CursorPage):
    ordering = ("next_review_on", "pk")


class ReviewRoundViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The review round: live risks due in a period and the overdue ones, soonest first (security officers
    and auditors; others get a 403, as on the page)."""

    serializer_class = RoundRiskSerializer
    filterset_class = RoundFilter
    pagination_class = RoundPage
    queryset = Risk.objects.none()  # for the schema; each request reads get_queryset

    def get_queryset(self):
        queries.check_round_access(self.request.user)
        return queries.reviewable_risks()
