"""Risk matrices through the API, read only (security officers, auditors and admins, as the matrices pages;
others get a 403): the list filtered by the matrices page's form, and a matrix with its scales, levels and
cells. Creating, editing and activating stay on the pages, where activation shows its re-mapping first."""

import django_filters
from rest_framework import mixins, serializers

from dpms.api.conventions import ApiViewMixin, ConditionalMixin, CursorPage
from risk.api import ANY, FetchedViewSet, PageFilterSet
from risk.forms.matrices import MatrixFilterForm
from risk.models import RiskMatrix
from risk.queries import matrices as queries


class ScaleStepSerializer(serializers.Serializer):
    label = serializers.CharField()
    description = serializers.CharField(required=False)


class MatrixLevelSerializer(serializers.Serializer):
    name = serializers.CharField()
    colour = serializers.CharField()
    review_days = serializers.IntegerField()


class MatrixSerializer(serializers.ModelSerializer):
    """A matrix: scales and levels lowest first; ``cells[likelihood][impact]`` is a level's index; levels
    above ``appetite`` (an index) are above the risk appetite. A risk's scores are indexes into the scales."""

    likelihood_scale = ScaleStepSerializer(many=True)
    impact_scale = ScaleStepSerializer(many=True)
    levels = MatrixLevelSerializer(many=True)
    cells = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    risk_count = serializers.IntegerField(read_only=True, help_text="Risks scored on it.")

    class Meta:
        model = RiskMatrix
        fields = [
            "id", "name", "description", "preset", "likelihood_scale", "impact_scale", "levels", "cells",
            "appetite", "is_active", "created_at", "risk_count",
        ]  # fmt: skip
        read_only_fields = fields


class MatrixFilter(PageFilterSet):
    """The matrices page's filters, validated by its form (``MatrixFilterForm``)."""

    q = django_filters.CharFilter(method="by_page", help_text="Part of the name or description.")
    status = django_filters.ChoiceFilter(
        method="by_page", choices=[ANY, ("active", "Active"), ("inactive", "Not active")]
    )

    class Meta:
        model = RiskMatrix
        fields: list[str] = []

    def page_form(self):
        return MatrixFilterForm(self.data)

    def apply(self, queryset, data):
        return queries.matrices_for_list(q=data.get("q") or "", status=data.get("status") or "")


class MatrixPage(CursorPage):
    ordering = "name"  # unique


class MatrixViewSet(
    ApiViewMixin, ConditionalMixin, FetchedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin
):
    """Risk matrices by name, with how many risks each scores."""

    serializer_class = MatrixSerializer
    filterset_class = MatrixFilter
    pagination_class = MatrixPage
    queryset = RiskMatrix.objects.none()  # for the schema; each request reads get_queryset

    def get_queryset(self):
        queries.require_reader(self.request.user)
        return queries.matrices_for_list()

    def fetch(self, pk):
        return queries.get_matrix_for_user(self.request.user, pk)
